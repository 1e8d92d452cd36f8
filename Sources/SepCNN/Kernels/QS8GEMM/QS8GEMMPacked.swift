// The driver of the int8 GEMM: vpdpbusd microkernels (QS8GEMMMicrokernelsVNNI.swift) in builds with
// AVX-512 VNNI, a plain-Swift tile otherwise; the same packing and integer sums either way.

/// C[i, j] = qs8Requantize(bias'[j] + Σ_p U[i, p] · B[p, j], …) for `rows` rows of U starting at `a` and
/// j in `columns`, where U = A XOR 0x80 (u8 = int8 + 128, flipped once by the caller: `qs8FlipRows`,
/// `qs8Im2col`; k columns, row stride lda); equals `qs8GEMMReference` of A with the unfolded bias.
/// Flipping outside the kernels lets each A value be one broadcast from memory, not load, xor, broadcast. `columns` bounds must be 0, n or multiples of `packed.panelWidth`. Writes nothing
/// else of C (row stride ldc). Allocation-free; thread-safe for disjoint blocks of C.
///
/// Loop nest: panels → row tiles (rows spread evenly over ⌈rows / MRmax⌉ tiles). A tile's A rows
/// stay in L1 while its panel streams from L2.
func qs8GEMMPacked(rows: Int, columns: Range<Int>, a: UnsafePointer<UInt8>, lda: Int,
                   packed: QS8PackedGEMMWeights, c: UnsafeMutablePointer<Int8>, ldc: Int) {
    let n = packed.n, nr = packed.panelWidth
    precondition(columns.lowerBound >= 0 && columns.upperBound <= n && columns.lowerBound % nr == 0
                 && (columns.upperBound == n || columns.upperBound % nr == 0),
                 "qs8GEMMPacked: columns \(columns) are not split points of the packing (panel width \(nr))")
    if rows <= 0 || columns.isEmpty { return }
    let kGroups = packed.k / 4, kTail = packed.k % 4
    var j0 = columns.lowerBound
    while j0 < columns.upperBound {
        let w = packed.width(ofPanelAt: j0)
        let e = QS8GEMMEpilogue(bias: packed.bias + j0, multipliers: packed.multipliers + j0, clamp: packed.clamp,
                                cols: min(w, columns.upperBound &- j0))
        let panel = UnsafePointer(packed.storage + 4 &* packed.kGroups &* j0)
        let maxRows = qs8GEMMTileRows(width: w)
        let tiles = (rows &+ maxRows &- 1) / maxRows
        let small = rows / tiles, big = rows % tiles
        var i = 0
        for t in 0..<tiles {
            let mr = t < big ? small &+ 1 : small
            #if canImport(CPUFeatures.VNNI512)
            qs8GEMMRunMicrokernelVNNI(rows: mr, width: w, kGroups, kTail, a + i &* lda, lda, panel, c + (i &* ldc &+ j0), ldc, e)
            #else
            qs8GEMMTilePlain(rows: mr, width: w, kGroups, kTail, a + i &* lda, lda, panel, c + (i &* ldc &+ j0), ldc, e)
            #endif
            i &+= mr
        }
        j0 &+= nr
    }
}

@inline(__always)
func qs8GEMMTileRows(width: Int) -> Int {
    #if canImport(CPUFeatures.VNNI512)
    return qs8GEMMMaxMicrokernelRows(width: width)
    #else
    return 8
    #endif
}

/// The 1–3 bytes of a last partial k group as one little-endian int32 (the rest zero), never reading past them.
@inline(__always)
func qs8LoadTail(_ p: UnsafeRawPointer, _ count: Int) -> Int32 {
    var v: UInt32 = UInt32(p.load(as: UInt8.self))
    if count > 1 { v |= UInt32(p.load(fromByteOffset: 1, as: UInt8.self)) &<< 8 }
    if count > 2 { v |= UInt32(p.load(fromByteOffset: 2, as: UInt8.self)) &<< 16 }
    return Int32(bitPattern: v)
}

/// The plain-Swift tile: the same u8 × s8 sums as vpdpbusd, 16 columns at a time, then the shared
/// scalar requantization. (Best plain Swift measured 0.87× fp32 for int8 GEMM: this path is for
/// correctness in builds without VNNI, not speed.)
func qs8GEMMTilePlain(rows: Int, width: Int, _ kGroups: Int, _ kTail: Int, _ a: UnsafePointer<UInt8>, _ lda: Int,
                      _ b: UnsafePointer<Int8>, _ c: UnsafeMutablePointer<Int8>, _ ldc: Int, _ e: QS8GEMMEpilogue) {
    let groups = kGroups &+ (kTail > 0 ? 1 : 0), k = 4 &* kGroups &+ kTail
    for r in 0..<rows {
        let row = a + r &* lda, out = c + r &* ldc
        var jb = 0
        while jb < e.cols {
            var acc = SIMD16<Int32>()
            for g in 0..<groups {
                let block = b + (g &* 4 &* width &+ jb &* 4)
                for q in 0..<4 where 4 &* g &+ q < k {
                    let u = Int32(row[4 &* g &+ q])
                    for j in 0..<16 { acc[j] &+= u &* Int32(block[4 &* j &+ q]) }
                }
            }
            for j in 0..<min(16, e.cols &- jb) {
                out[jb &+ j] = qs8Requantize(acc[j] &+ e.bias[jb &+ j], e.multipliers[jb &+ j], e.clamp)
            }
            jb &+= 16
        }
    }
}

/// dst row i = src row i XOR 0x80 (int8 → u8 + 128) for `rows` rows of `k` bytes (row strides lds, ldd):
/// the A operand of `qs8GEMMPacked`. A plain byte loop, which LLVM vectorises.
func qs8FlipRows(_ rows: Int, _ k: Int, _ src: UnsafePointer<Int8>, lds: Int, _ dst: UnsafeMutablePointer<UInt8>, ldd: Int) {
    if lds == k && ldd == k {
        // Contiguous rows (the GEMM operator's case): one long loop; per-row loops of k = 32 ran at half the speed.
        let count = rows &* k
        for i in 0..<count { dst[i] = UInt8(bitPattern: src[i]) ^ 0x80 }
        return
    }
    for r in 0..<rows {
        let s = src + r &* lds, d = dst + r &* ldd
        for i in 0..<k { d[i] = UInt8(bitPattern: s[i]) ^ 0x80 }
    }
}

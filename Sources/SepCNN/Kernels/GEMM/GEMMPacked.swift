// The driver of the packed SGEMM (gemmPacked) and the small helpers its generated microkernels
// (GEMMMicrokernels.swift) inline. Packing: PackedGEMMWeights.swift; layout: Docs/gemm-packing.md.
//
// The edge helpers use AVX-512 masked loads and stores when the build targets AVX-512
// (-Xcc -march=native) and SIMD.swift's loadPartial16 / storePartial16 otherwise; the untaken
// branch folds away, and the intrinsics are only compiled on x86_64.

import CPUFeatures
#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

/// What a microkernel does around its k loop (see GEMMMicrokernels.swift).
struct GEMMTileEpilogue {
    /// Start from the values in C (a later K block) instead of bias or zero.
    var accumulate: Bool
    /// Per-column bias at the tile's first column, added by the first K block; nil for none.
    var bias: UnsafePointer<Float>?
    /// Valid columns of the tile, 1...NR; columns past it are neither read nor written.
    var cols: Int
    /// Fusable activation applied before the store (.linear for all but the last K block).
    var activation: Activation
}

/// Loads `count` floats (all 16 when count ≥ 16); lanes past count are zero and not read.
@inline(__always)
func gemmLoadColumns(_ p: UnsafePointer<Float>, _ count: Int) -> SIMD16<Float> {
    if count >= 16 { return load16(p) }
    if count <= 0 { return SIMD16<Float>() }
    #if canImport(CPUFeatures.AVX512F)
    return _mm512_maskz_loadu_ps(__mmask16(truncatingIfNeeded: (1 &<< count) &- 1), p)
    #else
    return loadPartial16(p, count)
    #endif
}

/// Stores the first `count` lanes (all 16 when count ≥ 16); memory past count is not touched.
@inline(__always)
func gemmStoreColumns(_ p: UnsafeMutablePointer<Float>, _ v: SIMD16<Float>, _ count: Int) {
    if count >= 16 { store16(p, v); return }
    if count <= 0 { return }
    #if canImport(CPUFeatures.AVX512F)
    _mm512_mask_storeu_ps(p, __mmask16(truncatingIfNeeded: (1 &<< count) &- 1), v)
    #else
    storePartial16(p, v, count)
    #endif
}

/// Loads `count` (1...8) floats; lanes past count are zero and not read.
@inline(__always)
func gemmLoadHalf(_ p: UnsafePointer<Float>, _ count: Int) -> SIMD8<Float> {
    if count >= 8 { return UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self) }
    return gemmLoadColumns(p, count).lowHalf
}

/// Stores the first `count` (1...8) lanes of v; memory past count is not touched.
@inline(__always)
func gemmStoreHalf(_ p: UnsafeMutablePointer<Float>, _ v: SIMD8<Float>, _ count: Int) {
    if count >= 8 { UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self); return }
    gemmStoreColumns(p, SIMD16(lowHalf: v, highHalf: v), count)
}

/// [v0, 0, v1, 0, ..., v7, 0]: the start value of a k-pair-interleaved half accumulator.
@inline(__always)
func gemmInterleaveHalf(_ v: SIMD8<Float>) -> SIMD16<Float> {
    var x = SIMD16<Float>()
    x.evenHalf = v
    return x
}

/// [p[0], p[1]] repeated 8 times (one 64-bit broadcast): A[i, k] and A[i, k + 1] for the
/// k-pair-interleaved half vector of a panel.
@inline(__always)
func gemmBroadcastPair(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
    unsafeBitCast(SIMD8<UInt64>(repeating: UnsafeRawPointer(p).loadUnaligned(as: UInt64.self)), to: SIMD16<Float>.self)
}

/// Cache blocking of gemmPacked. On the project machine the results were flat (within noise) for
/// maxKC 256...unbounded and rowBlock 48...192; these keep the working set in L2 for any shape:
/// a B panel block is ≤ 512·64·4 = 128 KiB, an A block ≤ 128·512·4 = 256 KiB.
enum GEMMBlocking {
    /// K is cut into blocks of at most this many steps (even, but for the last).
    static let maxKC = 512
    /// Rows of A per outer row block; every panel of the column range runs over a row block's
    /// A rows (× kc) while they are in L2.
    static let rowBlock = 128
}

/// C[i, j] = act(Σ_p A[i, p] · B[p, j] + bias[j]) for i in `rows`, j in `columns`; nothing else of C is
/// touched. A (k columns, row stride lda ≥ k) is read in place; B comes packed; C has row stride ldc.
/// `columns` bounds must be 0, n, or multiples of `packed.panelWidth` (see
/// `PackedGEMMWeights.columnSplitPoints`). Allocation-free, and thread-safe for disjoint
/// (rows, columns) blocks of C sharing one `packed`.
///
/// Loop nest: row blocks (≤ `GEMMBlocking.rowBlock` rows, equal sizes) → K blocks (≤ maxKC) →
/// panels → row tiles. A tile is one generated microkernel, MR rows × the panel's width: the rows of
/// a block are spread evenly over ceil(rows / MRmax) tiles, so 49 rows with MRmax 8 make 7 tiles of
/// 7 (not 6 of 8 and a 1-row tile). The first K block starts from the bias, later ones from C; the
/// last applies a fusable activation in the store. Other activations (sigmoid, SiLU, hard sigmoid)
/// are applied with `applyActivation` to each finished row block.
func gemmPacked(rows: Range<Int>, columns: Range<Int>, a: UnsafePointer<Float>, lda: Int,
                packed: PackedGEMMWeights, bias: UnsafePointer<Float>?, activation: Activation,
                c: UnsafeMutablePointer<Float>, ldc: Int) {
    let k = packed.k, n = packed.n, nr = packed.panelWidth
    precondition(rows.lowerBound >= 0 && columns.lowerBound >= 0 && columns.upperBound <= n,
                 "gemmPacked: rows \(rows) / columns \(columns) out of range")
    precondition(columns.lowerBound % nr == 0 && (columns.upperBound == n || columns.upperBound % nr == 0),
                 "gemmPacked: columns \(columns) are not split points of the packing (panel width \(nr))")
    if rows.isEmpty || columns.isEmpty { return }
    let fused = activation.isFusable
    let b = UnsafePointer(packed.storage)

    // K blocks of (nearly) equal, even size (a half panel stores k in pairs), none above maxKC.
    let kBlocks = k == 0 ? 1 : (k &+ GEMMBlocking.maxKC &- 1) / GEMMBlocking.maxKC
    let kcStep = ((k &+ kBlocks &- 1) / kBlocks &+ 1) & ~1

    // Row blocks of (nearly) equal size, none above rowBlock.
    let rowBlocks = (rows.count &+ GEMMBlocking.rowBlock &- 1) / GEMMBlocking.rowBlock
    let mcSmall = rows.count / rowBlocks, mcBig = rows.count % rowBlocks  // mcBig blocks get one more row
    var i0 = rows.lowerBound
    for rowBlock in 0..<rowBlocks {
        let mc = rowBlock < mcBig ? mcSmall &+ 1 : mcSmall
        var p0 = 0
        repeat {
            let kc = min(kcStep, k &- p0)
            let last = p0 &+ kc == k
            var j0 = columns.lowerBound
            while j0 < columns.upperBound {
                let w = PackedGEMMWeights.width(ofPanelAt: j0, n: n, panelWidth: nr)
                var panelBias: UnsafePointer<Float>? = nil
                if let bias { panelBias = bias + j0 }
                let e = GEMMTileEpilogue(accumulate: p0 > 0, bias: panelBias,
                                         cols: min(w, columns.upperBound &- j0),
                                         activation: last && fused ? activation : .linear)
                let bPanel = b + (k &* j0 &+ p0 &* w)
                // Spread mc rows evenly over ceil(mc / maxRows) tiles.
                let maxRows = gemmMaxMicrokernelRows(width: w)
                let tiles = (mc &+ maxRows &- 1) / maxRows
                let small = mc / tiles, big = mc % tiles   // `big` tiles get small + 1 rows
                var i = i0
                for t in 0..<tiles {
                    let mr = t < big ? small &+ 1 : small
                    gemmRunMicrokernel(rows: mr, width: w, kc, a + (i &* lda &+ p0), lda,
                                       bPanel, c + (i &* ldc &+ j0), ldc, e)
                    i &+= mr
                }
                j0 &+= nr
            }
            p0 &+= kc
        } while p0 < k
        if !fused {
            let width = columns.count
            for i in i0..<(i0 &+ mc) {
                let row = c + (i &* ldc &+ columns.lowerBound)
                applyActivation(activation, row, row, count: width)
            }
        }
        i0 &+= mc
    }
}

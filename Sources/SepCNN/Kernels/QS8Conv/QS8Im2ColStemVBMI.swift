// The im2col of MobileNet's stem (3 channels, 3×3, stride 2, no dilation) with byte permutes, in
// builds with AVX-512 VBMI. The general im2col copies each pixel's three 9-byte kernel rows as
// short moves, and those copies took as long as the stem's whole GEMM. Here eight consecutive
// output pixels whose windows lie inside the image take three 64-byte loads (one per kernel row:
// their 51 bytes) and, per 64 bytes of their 224 bytes of rows, a two-source byte permute (kernel
// rows 0 and 1), a masked one-source permute (row 2) and a blend of the filler byte.

#if canImport(CPUFeatures.VNNI512)
import CPUFeatures
import _Builtin_intrinsics.intel

/// Whether `qs8Im2colStemVBMI` handles g.
func qs8Im2colUsesStemVBMI(_ g: ConvGeometry) -> Bool {
    g.groups == 1 && g.inputChannels == 3 && g.kernelHeight == 3 && g.kernelWidth == 3 && g.strideWidth == 2
        && g.dilationHeight == 1 && g.dilationWidth == 1
}

/// Output pixels per block: 8 × 28 bytes of rows from 51 bytes of each kernel row.
private let stemBlockPixels = 8
private let stemRowStride = 28

/// Per 64-byte piece m of a block's rows (see the file comment), each index table 4 × 64 bytes.
private struct StemPermutes {
    var rows01 = [UInt8](repeating: 0, count: 256)  // index into row 0 (0–63) or row 1 (64–127)
    var row2 = [UInt8](repeating: 0, count: 256)    // index into row 2
    var fromRow2: [UInt64] = [0, 0, 0, 0]           // lanes taken from row 2
    var filler: [UInt64] = [0, 0, 0, 0]             // lanes of the filler byte (the depth 27 rounded to 28)
}

private let stemPermutes: StemPermutes = {
    var t = StemPermutes()
    for byte in 0 ..< stemBlockPixels * stemRowStride {
        let piece = byte / 64, lane = byte % 64, pixel = byte / stemRowStride, r = byte % stemRowStride
        if r == 27 { t.filler[piece] |= 1 << UInt64(lane); continue }
        let ky = r / 9, source = 6 * pixel + r % 9
        if ky == 2 {
            t.row2[byte] = UInt8(source)
            t.fromRow2[piece] |= 1 << UInt64(lane)
        } else {
            t.rows01[byte] = UInt8(source + 64 * ky)
        }
    }
    return t
}()

/// The four 64-byte vectors of a 256-byte table.
@inline(__always)
private func loadVectors(_ table: [UInt8]) -> (__m512i, __m512i, __m512i, __m512i) {
    table.withUnsafeBytes {
        ($0.loadUnaligned(as: __m512i.self), $0.loadUnaligned(fromByteOffset: 64, as: __m512i.self),
         $0.loadUnaligned(fromByteOffset: 128, as: __m512i.self), $0.loadUnaligned(fromByteOffset: 192, as: __m512i.self))
    }
}

/// As `qs8Im2col` (one group, row stride 28) for output pixels `pixels`; g must pass `qs8Im2colUsesStemVBMI`.
/// Blocks of eight pixels whose three kernel rows lie inside the image take the permutes; every other
/// pixel goes through `qs8Im2col`.
func qs8Im2colStemVBMI(_ g: ConvGeometry, pixels: Range<Int>, input: UnsafePointer<Int8>, zeroPoint: Int8,
                       columns: UnsafeMutablePointer<UInt8>) {
    let padding = UInt8(bitPattern: zeroPoint) ^ 0x80
    let p = stemPermutes
    let (i0, i1, i2, i3) = loadVectors(p.rows01), (j0, j1, j2, j3) = loadVectors(p.row2)
    let (f0, f1, f2, f3) = (p.fromRow2[0], p.fromRow2[1], p.fromRow2[2], p.fromRow2[3])
    let (l0, l1, l2, l3) = (p.filler[0], p.filler[1], p.filler[2], p.filler[3])
    let flip = _mm512_set1_epi8(-128), pad = _mm512_set1_epi8(Int8(bitPattern: padding))
    let sourceMask = __mmask64((1 << 51) - 1), lastPiece = __mmask64((1 << 32) - 1)
    let imagePixels = g.outputHeight &* g.outputWidth, rowBytes = g.inputWidth &* 3
    // The first and last output columns whose windows lie inside the image.
    let low = g.padLeft <= 0 ? 0 : (g.padLeft &+ 1) / 2
    let reach = g.inputWidth &+ g.padLeft &- 3
    let high = reach < 0 ? 0 : min(g.outputWidth, reach / 2 &+ 1)  // exclusive

    @inline(__always) func piece(_ r0: __m512i, _ r1: __m512i, _ r2: __m512i, _ i: __m512i, _ j: __m512i,
                                 _ fromRow2: UInt64, _ filler: UInt64) -> __m512i {
        let t = _mm512_mask_permutexvar_epi8(_mm512_permutex2var_epi8(r0, i, r1), fromRow2, j, r2)
        return _mm512_mask_blend_epi8(filler, t, pad)
    }

    var pixel = pixels.lowerBound
    var slot = columns
    while pixel < pixels.upperBound {
        let n = pixel / imagePixels, within = pixel &- n &* imagePixels
        let oy = within / g.outputWidth, ox0 = within &- oy &* g.outputWidth
        let count = min(pixels.upperBound &- pixel, g.outputWidth &- ox0)
        let top = oy &* g.strideHeight &- g.padTop
        // The span of this row's pixels the blocks take: inside the image in both directions.
        var fast = max(ox0, low) ..< max(ox0, low)
        if top >= 0 && top &+ 2 < g.inputHeight {
            let end = min(ox0 &+ count, high)
            let start = min(max(ox0, low), end)
            fast = start ..< start &+ (end &- start) / stemBlockPixels &* stemBlockPixels
        }
        let before = fast.isEmpty ? count : fast.lowerBound &- ox0
        qs8Im2col(g, group: 0, pixels: pixel ..< pixel &+ before, input: input, zeroPoint: zeroPoint,
                  columns: slot, rowStride: stemRowStride)
        var d = slot + before &* stemRowStride
        if !fast.isEmpty {
            let image = input + n &* (g.inputHeight &* rowBytes)
            var s0 = UnsafeRawPointer(image + top &* rowBytes + (fast.lowerBound &* 2 &- g.padLeft) &* 3)
            for _ in 0 ..< fast.count / stemBlockPixels {
                let r0 = _mm512_xor_si512(_mm512_maskz_loadu_epi8(sourceMask, s0), flip)
                let r1 = _mm512_xor_si512(_mm512_maskz_loadu_epi8(sourceMask, s0 + rowBytes), flip)
                let r2 = _mm512_xor_si512(_mm512_maskz_loadu_epi8(sourceMask, s0 + 2 &* rowBytes), flip)
                let out = UnsafeMutableRawPointer(d)
                out.storeBytes(of: piece(r0, r1, r2, i0, j0, f0, l0), as: __m512i.self)
                (out + 64).storeBytes(of: piece(r0, r1, r2, i1, j1, f1, l1), as: __m512i.self)
                (out + 128).storeBytes(of: piece(r0, r1, r2, i2, j2, f2, l2), as: __m512i.self)
                _mm512_mask_storeu_epi8(out + 192, lastPiece, piece(r0, r1, r2, i3, j3, f3, l3))
                s0 += stemBlockPixels &* 6
                d += stemBlockPixels &* stemRowStride
            }
            qs8Im2col(g, group: 0, pixels: pixel &+ before &+ fast.count ..< pixel &+ count, input: input, zeroPoint: zeroPoint,
                      columns: d, rowStride: stemRowStride)
        }
        slot += count &* stemRowStride
        pixel &+= count
    }
}
#endif

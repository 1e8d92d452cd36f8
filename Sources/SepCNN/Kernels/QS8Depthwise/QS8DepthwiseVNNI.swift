// int8 depthwise 3×3 and 5×5 (multiplier 1, dilation 1, horizontal stride 1 or 2, any vertical stride
// and padding) with vpdpbusd, in builds with AVX-512 VNNI. Layout and derivation: Docs/int8-kernels.md.
//
// Depthwise has no sum over channels, so vpdpbusd's four-byte dot products must run over taps: each
// input row is rebuilt once as "quads", for every position f = px·C + c of the padded row flattened,
// the bytes (P[f], P[f + C], P[f + 2C], P[f + 3C]): the taps kx = 0…3 of pixel px, channel c. One
// vpdpbusd per kernel row then does 16 outputs × 3 taps (3×3, a zero fourth weight) where float needs
// 3 FMAs; 5×5 takes a second quad row (kx = 4, three zero weights). Horizontal stride 2 splits the
// padded row into even and odd pixels E, O first: quads (E[f], O[f], E[f + C], O[f + C]).
//
// The quads of 64 consecutive positions come from four 64-byte loads and eight 512-bit unpacks, which
// work within 128-bit lanes: register t of a chunk holds position 16L + 4t + i in lane 4L + i. The
// weights, bias and multipliers are packed in that order, and the saturating packs that narrow the
// four requantized registers to bytes (packs_epi32, packs_epi16, also lane-wise) undo it exactly, so
// the 64 output bytes land in natural order. Positions are flat, so any channel count works without
// padding channels; weights repeat with the period of (64 positions mod C).
//
// A quad row depends only on its input row, so each is built once into a ring of K slots and reused
// by the K / strideHeight output rows that read it.

#if canImport(CPUFeatures.VNNI512)
import CPUFeatures
import _Builtin_intrinsics.intel

/// Whether `qs8DepthwiseVNNI` handles g.
func qs8DepthwiseUsesVNNI(_ g: ConvGeometry) -> Bool {
    g.outputChannels == g.inputChannels && g.dilationHeight == 1 && g.dilationWidth == 1
        && (g.strideWidth == 1 || g.strideWidth == 2) && g.strideHeight >= 1
        && g.kernelHeight == g.kernelWidth && (g.kernelWidth == 3 || g.kernelWidth == 5)
        && g.outputWidth > 0 && g.inputWidth > 0
}

/// Weights, folded bias and multipliers in the kernel's register order, per phase (see above).
final class QS8DepthwiseVNNIWeights: @unchecked Sendable {
    let kernel: Int, sets: Int, phases: Int
    /// [phase][ky][set][t][64 bytes]
    let weights: UnsafeMutablePointer<Int8>
    /// [phase][t][16]
    let bias: UnsafeMutablePointer<Int32>
    let multipliers: UnsafeMutablePointer<Float>
    /// Every channel's |Float(acc) · m| < 2³⁰, whatever the input: the store may skip its float clamps.
    let exactConversion: Bool

    /// `weights` `[K, K, C]`, `bias` the int32 bias at s_in · s_w[c]; folds −(128 + z_in) · Σ taps into it.
    init(_ g: ConvGeometry, weights w: UnsafePointer<Int8>, bias b: [Int32], multipliers m: [Float], inputZeroPoint: Int8) {
        let k = g.kernelWidth, c = g.inputChannels
        kernel = k
        sets = k == 3 ? 1 : 2
        let chunks = qs8DepthwiseChunks(g)
        let period = c / gcd(c, 64)
        phases = min(period, chunks)
        let weightBytes = phases &* k &* sets &* 256
        weights = UnsafeMutableRawPointer.allocate(byteCount: weightBytes, alignment: 64).bindMemory(to: Int8.self, capacity: weightBytes)
        weights.initialize(repeating: 0, count: weightBytes)
        bias = UnsafeMutableRawPointer.allocate(byteCount: phases &* 256, alignment: 64).bindMemory(to: Int32.self, capacity: phases &* 64)
        multipliers = UnsafeMutableRawPointer.allocate(byteCount: phases &* 256, alignment: 64).bindMemory(to: Float.self, capacity: phases &* 64)
        let offset = 128 &+ Int32(inputZeroPoint)
        // |acc| ≤ |bias'| + K² · 255 · 127 (u8 × s8 products).
        exactConversion = (0..<c).allSatisfy { ch in
            var sum = 0
            for t in 0..<(k &* k) { sum += Int(w[t &* c &+ ch]) }
            let folded = Double(b[ch]) - Double(offset) * Double(sum)
            return (abs(folded) + Double(k * k * 255 * 127)) * Double(abs(m[ch])) < 1_073_741_824
        }
        for p in 0..<phases {
            for t in 0..<4 {
                for lane in 0..<16 {
                    let position = 16 &* (lane / 4) &+ 4 &* t &+ lane % 4
                    let ch = (p &* 64 &+ position) % c
                    var sum: Int32 = 0
                    for ky in 0..<k {
                        for kx in 0..<k {
                            let tap = w[(ky &* k &+ kx) &* c &+ ch]
                            sum &+= Int32(tap)
                            let set = kx / 4, byte = kx % 4
                            weights[(((p &* k &+ ky) &* sets &+ set) &* 4 &+ t) &* 64 &+ 4 &* lane &+ byte] = tap
                        }
                    }
                    bias[(p &* 4 &+ t) &* 16 &+ lane] = b[ch] &- offset &* sum
                    multipliers[(p &* 4 &+ t) &* 16 &+ lane] = m[ch]
                }
            }
        }
    }

    deinit {
        weights.deallocate()
        bias.deallocate()
        multipliers.deallocate()
    }
}

private func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }

/// 64-position chunks of one output row.
func qs8DepthwiseChunks(_ g: ConvGeometry) -> Int { (g.outputWidth &* g.inputChannels &+ 63) / 64 }

/// Bytes of one source row (P, or each of E and O): every position the quads read, with slack.
private func qs8DepthwiseSourceBytes(_ g: ConvGeometry) -> Int {
    (qs8DepthwiseChunks(g) &* 64 &+ 8 &* g.inputChannels &+ 127) & ~63
}

private func qs8DepthwiseQuadRowBytes(_ g: ConvGeometry) -> Int { qs8DepthwiseChunks(g) &* 256 }

/// Scratch bytes of one thread: slot tags, the ring of quad rows, the source row(s).
func qs8DepthwiseVNNIScratchByteCount(_ g: ConvGeometry) -> Int {
    let sets = g.kernelWidth == 3 ? 1 : 2
    return 64 &+ (g.kernelHeight &+ 1) &* sets &* qs8DepthwiseQuadRowBytes(g) &+ 2 &* qs8DepthwiseSourceBytes(g)
}

/// Same result as `qs8DepthwiseReference` (with the unfolded bias) for output rows `rows`; g must pass
/// `qs8DepthwiseUsesVNNI`. Allocation-free; thread-safe for disjoint rows, each thread with its scratch.
func qs8DepthwiseVNNI(_ g: ConvGeometry, input: UnsafePointer<Int8>, inputZeroPoint: Int8, packed: QS8DepthwiseVNNIWeights,
                      clamp: QS8OutputClamp, output: UnsafeMutablePointer<Int8>, rows: Range<Int>,
                      scratch: UnsafeMutableRawPointer) {
    let k = g.kernelHeight, c = g.inputChannels, sets = packed.sets
    let chunks = qs8DepthwiseChunks(g), quadRow = qs8DepthwiseQuadRowBytes(g), sourceBytes = qs8DepthwiseSourceBytes(g)
    let tags = scratch.bindMemory(to: Int.self, capacity: 8)
    for s in 0...k { tags[s] = Int.min }
    let quads = scratch + 64
    let source0 = (quads + (k &+ 1) &* sets &* quadRow).bindMemory(to: UInt8.self, capacity: 2 &* sourceBytes)
    let source1 = source0 + sourceBytes
    let padding = UInt8(bitPattern: inputZeroPoint) ^ 0x80
    let rowBytes = g.outputWidth &* c
    let slots = k &+ 1
    var row = rows.lowerBound
    while row < rows.upperBound {
        let n = row / g.outputHeight, oy = row &- n &* g.outputHeight
        let image = input + n &* (g.inputHeight &* g.inputWidth &* c)
        // The quad row of input row oy·sh − padTop + ky, built unless its slot holds it. K + 1 slots: a
        // window of K + 1 consecutive rows never shares one, and stride-1 rows reuse K of them.
        @inline(__always) func quadRowFor(_ ky: Int) -> UnsafeMutableRawPointer {
            let iy = oy &* g.strideHeight &- g.padTop &+ ky
            let slot = ((iy % slots) &+ slots) % slots
            let slotQuads = quads + slot &* sets &* quadRow
            let tag = (n &<< 32) &+ iy
            if tags[slot] != tag {
                tags[slot] = tag
                let pixels = iy >= 0 && iy < g.inputHeight ? image + iy &* g.inputWidth &* c : nil
                qs8DepthwiseBuildQuadRow(g, pixels: pixels, padding: padding, sources: (source0, source1), sourceBytes: sourceBytes,
                                         quads: slotQuads, quadRowBytes: quadRow, chunks: chunks)
            }
            return slotQuads
        }
        let out = output + row &* rowBytes
        if k == 3 {
            // Stride 1: two output rows at once share the loads of their two common quad rows.
            if g.strideHeight == 1 && row &+ 1 < rows.upperBound && oy &+ 1 < g.outputHeight {
                qs8DepthwiseRowPair3x3VNNI(quadRowFor(0), quadRowFor(1), quadRowFor(2), quadRowFor(3), packed, clamp, out, rowBytes, chunks)
                row &+= 2
                continue
            }
            qs8DepthwiseRow3x3VNNI(quadRowFor(0), quadRowFor(1), quadRowFor(2), packed, clamp, out, rowBytes, chunks)
        } else {
            qs8DepthwiseRow5x5VNNI((quadRowFor(0), quadRowFor(1), quadRowFor(2), quadRowFor(3), quadRowFor(4)), quadRow,
                                   packed, clamp, out, rowBytes, chunks)
        }
        row &+= 1
    }
}

/// dst[i] = src[i] XOR 0x80 (int8 → u8 + 128) for `count` bytes, 64 at a time, the last chunk masked.
@inline(__always)
private func qs8CopyFlipped(_ dst: UnsafeMutablePointer<UInt8>, _ src: UnsafePointer<Int8>, _ count: Int) {
    let flip = _mm512_set1_epi8(-128)
    var i = 0
    while i &+ 64 <= count {
        UnsafeMutableRawPointer(dst + i).storeBytes(of: _mm512_xor_si512(load512(src + i), flip), as: __m512i.self)
        i &+= 64
    }
    if i < count {
        let mask = (__mmask64(1) &<< __mmask64(count &- i)) &- 1
        let v = _mm512_maskz_loadu_epi8(mask, UnsafeRawPointer(src + i))
        _mm512_mask_storeu_epi8(UnsafeMutableRawPointer(dst + i), mask, _mm512_xor_si512(v, flip))
    }
}

/// Fills `count` padded pixels start, start + step, … of one input row (nil: a padding row) as u8
/// (XOR 0x80), the padding as the input zero point. Step 1 copies the row's inside in one run.
@inline(__always)
private func qs8DepthwiseFillSource(_ g: ConvGeometry, pixels: UnsafePointer<Int8>?, padding: UInt8,
                                    _ dst: UnsafeMutablePointer<UInt8>, start: Int, step: Int, count: Int) {
    let c = g.inputChannels
    guard let pixels else { dst.update(repeating: padding, count: count &* c); return }
    if step == 1 {
        let first = min(max(g.padLeft, 0), count), last = max(first, min(count, g.padLeft &+ g.inputWidth))
        dst.update(repeating: padding, count: first &* c)
        qs8CopyFlipped(dst + first &* c, pixels + (first &- g.padLeft) &* c, (last &- first) &* c)
        (dst + last &* c).update(repeating: padding, count: (count &- last) &* c)
        return
    }
    var d = dst
    for i in 0..<count {
        let ix = start &+ i &* step &- g.padLeft
        if ix >= 0 && ix < g.inputWidth {
            qs8CopyFlipped(d, pixels + ix &* c, c)
        } else {
            d.update(repeating: padding, count: c)
        }
        d += c
    }
}

private func qs8DepthwiseBuildQuadRow(_ g: ConvGeometry, pixels: UnsafePointer<Int8>?, padding: UInt8,
                                      sources: (UnsafeMutablePointer<UInt8>, UnsafeMutablePointer<UInt8>), sourceBytes: Int,
                                      quads: UnsafeMutableRawPointer, quadRowBytes: Int, chunks: Int) {
    let c = g.inputChannels, count = sourceBytes / c
    let (p, o) = sources
    if g.strideWidth == 1 {
        qs8DepthwiseFillSource(g, pixels: pixels, padding: padding, p, start: 0, step: 1, count: count)
        qs8DepthwiseBuildQuads(quads, p, p + c, p + 2 &* c, p + 3 &* c, chunks)
        if g.kernelWidth == 5 {
            qs8DepthwiseBuildQuads(quads + quadRowBytes, p + 4 &* c, p + 5 &* c, p + 6 &* c, p + 7 &* c, chunks)
        }
    } else {
        qs8DepthwiseFillSource(g, pixels: pixels, padding: padding, p, start: 0, step: 2, count: count)
        qs8DepthwiseFillSource(g, pixels: pixels, padding: padding, o, start: 1, step: 2, count: count)
        qs8DepthwiseBuildQuads(quads, p, o, p + c, o + c, chunks)
        if g.kernelWidth == 5 {
            qs8DepthwiseBuildQuads(quads + quadRowBytes, p + 2 &* c, o + 2 &* c, p + 3 &* c, o + 3 &* c, chunks)
        }
    }
}

@inline(__always)
private func load512(_ p: UnsafeRawPointer) -> __m512i { p.loadUnaligned(as: __m512i.self) }

/// quads[256j + 64t + 4(4L + i) + b] = source_b[64j + 16L + 4t + i]: per chunk, four loads and eight unpacks.
private func qs8DepthwiseBuildQuads(_ quads: UnsafeMutableRawPointer, _ s0: UnsafePointer<UInt8>, _ s1: UnsafePointer<UInt8>,
                                    _ s2: UnsafePointer<UInt8>, _ s3: UnsafePointer<UInt8>, _ chunks: Int) {
    for j in 0..<chunks {
        let a = load512(s0 + 64 &* j), b = load512(s1 + 64 &* j), c = load512(s2 + 64 &* j), d = load512(s3 + 64 &* j)
        let abLow = _mm512_unpacklo_epi8(a, b), abHigh = _mm512_unpackhi_epi8(a, b)
        let cdLow = _mm512_unpacklo_epi8(c, d), cdHigh = _mm512_unpackhi_epi8(c, d)
        let q = quads + 256 &* j
        q.storeBytes(of: _mm512_unpacklo_epi16(abLow, cdLow), as: __m512i.self)
        (q + 64).storeBytes(of: _mm512_unpackhi_epi16(abLow, cdLow), as: __m512i.self)
        (q + 128).storeBytes(of: _mm512_unpacklo_epi16(abHigh, cdHigh), as: __m512i.self)
        (q + 192).storeBytes(of: _mm512_unpackhi_epi16(abHigh, cdHigh), as: __m512i.self)
    }
}

@inline(__always)
private func dot(_ acc: SIMD16<Int32>, _ quads: UnsafeRawPointer, _ w: SIMD16<Int32>) -> SIMD16<Int32> {
    vnniDotAccumulate(acc, quads.loadUnaligned(as: SIMD16<Int32>.self), w)
}

@inline(__always)
private func weight(_ p: UnsafeRawPointer, _ index: Int) -> SIMD16<Int32> {
    (p + 64 &* index).loadUnaligned(as: SIMD16<Int32>.self)
}

/// Requantizes the four registers of a chunk and stores its `count` (1...64) bytes in natural order.
///
/// With `exact` (the packing proved |Float(acc) · m| < 2³⁰ for every channel) the float clamps are
/// skipped: vcvtps2dq rounds to nearest even exactly there, and the saturating packs, a saturating
/// add of z and a byte min/max give clamp(round(x) + z, lo, hi), the shared definition's value,
/// since saturation is monotone and [lo, hi] lies inside int8. Otherwise qs8Requantize16 lane by lane.
@inline(__always)
private func qs8DepthwiseStoreChunk(_ a0: SIMD16<Int32>, _ a1: SIMD16<Int32>, _ a2: SIMD16<Int32>, _ a3: SIMD16<Int32>,
                                    _ m: QS8ChunkMultipliers, _ clamp: QS8OutputClamp, _ bounds: QS8ByteBounds,
                                    _ out: UnsafeMutablePointer<Int8>, _ count: Int, exact: Bool) {
    let mask = count >= 64 ? __mmask64(truncatingIfNeeded: -1) : (__mmask64(1) &<< __mmask64(count)) &- 1
    @inline(__always) func multiplier(_ t: Int) -> SIMD16<Float> {
        t == 0 ? m.m0 : t == 1 ? m.m1 : t == 2 ? m.m2 : m.m3
    }
    if exact {
        @inline(__always) func rounded(_ a: SIMD16<Int32>, _ t: Int) -> __m512i {
            _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_cvtepi32_ps(unsafeBitCast(a, to: __m512i.self)), multiplier(t)))
        }
        let words01 = _mm512_adds_epi16(_mm512_packs_epi32(rounded(a0, 0), rounded(a1, 1)), bounds.zeroPoint)
        let words23 = _mm512_adds_epi16(_mm512_packs_epi32(rounded(a2, 2), rounded(a3, 3)), bounds.zeroPoint)
        let bytes = _mm512_min_epi8(_mm512_max_epi8(_mm512_packs_epi16(words01, words23), bounds.low), bounds.high)
        _mm512_mask_storeu_epi8(UnsafeMutableRawPointer(out), mask, bytes)
        return
    }
    @inline(__always) func requantize(_ a: SIMD16<Int32>, _ t: Int) -> __m512i {
        unsafeBitCast(qs8Requantize16(a, multiplier(t), clamp), to: __m512i.self)
    }
    let words01 = _mm512_packs_epi32(requantize(a0, 0), requantize(a1, 1))
    let words23 = _mm512_packs_epi32(requantize(a2, 2), requantize(a3, 3))
    _mm512_mask_storeu_epi8(UnsafeMutableRawPointer(out), mask, _mm512_packs_epi16(words01, words23))
}

/// A phase's four multiplier registers, loaded once for all its chunks.
struct QS8ChunkMultipliers {
    let m0, m1, m2, m3: SIMD16<Float>

    @inline(__always)
    init(_ p: UnsafePointer<Float>) {
        let r = UnsafeRawPointer(p)
        m0 = r.loadUnaligned(as: SIMD16<Float>.self)
        m1 = (r + 64).loadUnaligned(as: SIMD16<Float>.self)
        m2 = (r + 128).loadUnaligned(as: SIMD16<Float>.self)
        m3 = (r + 192).loadUnaligned(as: SIMD16<Float>.self)
    }
}

/// The output clamp as broadcast registers: z as 32 int16, lo and hi as 64 int8.
struct QS8ByteBounds {
    let zeroPoint: __m512i, low: __m512i, high: __m512i

    @inline(__always)
    init(_ clamp: QS8OutputClamp) {
        zeroPoint = _mm512_set1_epi16(Int16(clamp.zeroPoint))
        low = _mm512_set1_epi8(Int8(Int32(clamp.low) &+ clamp.zeroPoint))
        high = _mm512_set1_epi8(Int8(Int32(clamp.high) &+ clamp.zeroPoint))
    }
}

@inline(__always)
private func loadBias(_ b: UnsafePointer<Int32>, _ t: Int) -> SIMD16<Int32> {
    UnsafeRawPointer(b + 16 &* t).loadUnaligned(as: SIMD16<Int32>.self)
}

/// One output row of a 3×3: the twelve weight registers of a phase stay in registers over its chunks.
private func qs8DepthwiseRow3x3VNNI(_ r0: UnsafeMutableRawPointer, _ r1: UnsafeMutableRawPointer, _ r2: UnsafeMutableRawPointer,
                                    _ packed: QS8DepthwiseVNNIWeights, _ clamp: QS8OutputClamp,
                                    _ out: UnsafeMutablePointer<Int8>, _ rowBytes: Int, _ chunks: Int) {
    let phases = packed.phases, exact = packed.exactConversion, bounds = QS8ByteBounds(clamp)
    for p in 0..<phases {
        let w = UnsafeRawPointer(packed.weights + p &* 768)
        let w00 = weight(w, 0), w01 = weight(w, 1), w02 = weight(w, 2), w03 = weight(w, 3)
        let w10 = weight(w, 4), w11 = weight(w, 5), w12 = weight(w, 6), w13 = weight(w, 7)
        let w20 = weight(w, 8), w21 = weight(w, 9), w22 = weight(w, 10), w23 = weight(w, 11)
        let bias = UnsafePointer(packed.bias + p &* 64), m = QS8ChunkMultipliers(packed.multipliers + p &* 64)
        let b0 = loadBias(bias, 0), b1 = loadBias(bias, 1), b2 = loadBias(bias, 2), b3 = loadBias(bias, 3)
        var j = p
        while j < chunks {
            let q0 = UnsafeRawPointer(r0 + 256 &* j), q1 = UnsafeRawPointer(r1 + 256 &* j), q2 = UnsafeRawPointer(r2 + 256 &* j)
            var a0 = b0, a1 = b1, a2 = b2, a3 = b3
            a0 = dot(a0, q0, w00); a1 = dot(a1, q0 + 64, w01); a2 = dot(a2, q0 + 128, w02); a3 = dot(a3, q0 + 192, w03)
            a0 = dot(a0, q1, w10); a1 = dot(a1, q1 + 64, w11); a2 = dot(a2, q1 + 128, w12); a3 = dot(a3, q1 + 192, w13)
            a0 = dot(a0, q2, w20); a1 = dot(a1, q2 + 64, w21); a2 = dot(a2, q2 + 128, w22); a3 = dot(a3, q2 + 192, w23)
            qs8DepthwiseStoreChunk(a0, a1, a2, a3, m, clamp, bounds, out + 64 &* j, rowBytes &- 64 &* j, exact: exact)
            j &+= phases
        }
    }
}

/// Output rows y and y + 1 of a stride-1 3×3 from quad rows r0…r3: 24 vpdpbusd on 16 quad loads.
private func qs8DepthwiseRowPair3x3VNNI(_ r0: UnsafeMutableRawPointer, _ r1: UnsafeMutableRawPointer, _ r2: UnsafeMutableRawPointer,
                                        _ r3: UnsafeMutableRawPointer, _ packed: QS8DepthwiseVNNIWeights, _ clamp: QS8OutputClamp,
                                        _ out: UnsafeMutablePointer<Int8>, _ rowBytes: Int, _ chunks: Int) {
    let phases = packed.phases, exact = packed.exactConversion, bounds = QS8ByteBounds(clamp)
    for p in 0..<phases {
        let w = UnsafeRawPointer(packed.weights + p &* 768)
        let w00 = weight(w, 0), w01 = weight(w, 1), w02 = weight(w, 2), w03 = weight(w, 3)
        let w10 = weight(w, 4), w11 = weight(w, 5), w12 = weight(w, 6), w13 = weight(w, 7)
        let w20 = weight(w, 8), w21 = weight(w, 9), w22 = weight(w, 10), w23 = weight(w, 11)
        let bias = UnsafePointer(packed.bias + p &* 64), m = QS8ChunkMultipliers(packed.multipliers + p &* 64)
        var j = p
        while j < chunks {
            let o = 256 &* j
            var a0 = loadBias(bias, 0), a1 = loadBias(bias, 1), a2 = loadBias(bias, 2), a3 = loadBias(bias, 3)
            var b0 = a0, b1 = a1, b2 = a2, b3 = a3
            do {
                let q = UnsafeRawPointer(r0 + o)
                a0 = dot(a0, q, w00); a1 = dot(a1, q + 64, w01); a2 = dot(a2, q + 128, w02); a3 = dot(a3, q + 192, w03)
            }
            do {
                let q = UnsafeRawPointer(r1 + o)
                let x0 = q.loadUnaligned(as: SIMD16<Int32>.self), x1 = (q + 64).loadUnaligned(as: SIMD16<Int32>.self)
                let x2 = (q + 128).loadUnaligned(as: SIMD16<Int32>.self), x3 = (q + 192).loadUnaligned(as: SIMD16<Int32>.self)
                a0 = vnniDotAccumulate(a0, x0, w10); a1 = vnniDotAccumulate(a1, x1, w11)
                a2 = vnniDotAccumulate(a2, x2, w12); a3 = vnniDotAccumulate(a3, x3, w13)
                b0 = vnniDotAccumulate(b0, x0, w00); b1 = vnniDotAccumulate(b1, x1, w01)
                b2 = vnniDotAccumulate(b2, x2, w02); b3 = vnniDotAccumulate(b3, x3, w03)
            }
            do {
                let q = UnsafeRawPointer(r2 + o)
                let x0 = q.loadUnaligned(as: SIMD16<Int32>.self), x1 = (q + 64).loadUnaligned(as: SIMD16<Int32>.self)
                let x2 = (q + 128).loadUnaligned(as: SIMD16<Int32>.self), x3 = (q + 192).loadUnaligned(as: SIMD16<Int32>.self)
                a0 = vnniDotAccumulate(a0, x0, w20); a1 = vnniDotAccumulate(a1, x1, w21)
                a2 = vnniDotAccumulate(a2, x2, w22); a3 = vnniDotAccumulate(a3, x3, w23)
                b0 = vnniDotAccumulate(b0, x0, w10); b1 = vnniDotAccumulate(b1, x1, w11)
                b2 = vnniDotAccumulate(b2, x2, w12); b3 = vnniDotAccumulate(b3, x3, w13)
            }
            do {
                let q = UnsafeRawPointer(r3 + o)
                b0 = dot(b0, q, w20); b1 = dot(b1, q + 64, w21); b2 = dot(b2, q + 128, w22); b3 = dot(b3, q + 192, w23)
            }
            qs8DepthwiseStoreChunk(a0, a1, a2, a3, m, clamp, bounds, out + 64 &* j, rowBytes &- 64 &* j, exact: exact)
            qs8DepthwiseStoreChunk(b0, b1, b2, b3, m, clamp, bounds, out + (rowBytes &+ 64 &* j), rowBytes &- 64 &* j, exact: exact)
            j &+= phases
        }
    }
}

/// One output row of a 5×5: per kernel row, two quad rows (taps 0–3, tap 4); weights read from L1.
private func qs8DepthwiseRow5x5VNNI(_ rows: (UnsafeMutableRawPointer, UnsafeMutableRawPointer, UnsafeMutableRawPointer,
                                            UnsafeMutableRawPointer, UnsafeMutableRawPointer), _ quadRow: Int,
                                    _ packed: QS8DepthwiseVNNIWeights, _ clamp: QS8OutputClamp,
                                    _ out: UnsafeMutablePointer<Int8>, _ rowBytes: Int, _ chunks: Int) {
    let phases = packed.phases, exact = packed.exactConversion, bounds = QS8ByteBounds(clamp)
    let r0 = UnsafeRawPointer(rows.0), r1 = UnsafeRawPointer(rows.1), r2 = UnsafeRawPointer(rows.2)
    let r3 = UnsafeRawPointer(rows.3), r4 = UnsafeRawPointer(rows.4)
    for p in 0..<phases {
        let w = UnsafeRawPointer(packed.weights + p &* 2560)
        let bias = UnsafePointer(packed.bias + p &* 64), m = QS8ChunkMultipliers(packed.multipliers + p &* 64)
        var j = p
        while j < chunks {
            var a0 = loadBias(bias, 0), a1 = loadBias(bias, 1), a2 = loadBias(bias, 2), a3 = loadBias(bias, 3)
            @inline(__always) func kernelRow(_ r: UnsafeRawPointer, _ ky: Int) {
                let q = r + 256 &* j, h = q + quadRow, wk = w + 512 &* ky
                a0 = dot(a0, q, weight(wk, 0)); a1 = dot(a1, q + 64, weight(wk, 1))
                a2 = dot(a2, q + 128, weight(wk, 2)); a3 = dot(a3, q + 192, weight(wk, 3))
                a0 = dot(a0, h, weight(wk, 4)); a1 = dot(a1, h + 64, weight(wk, 5))
                a2 = dot(a2, h + 128, weight(wk, 6)); a3 = dot(a3, h + 192, weight(wk, 7))
            }
            kernelRow(r0, 0); kernelRow(r1, 1); kernelRow(r2, 2); kernelRow(r3, 3); kernelRow(r4, 4)
            qs8DepthwiseStoreChunk(a0, a1, a2, a3, m, clamp, bounds, out + 64 &* j, rowBytes &- 64 &* j, exact: exact)
            j &+= phases
        }
    }
}
#endif

// The fast int8 elementwise kernels: the references' formulas as straight loops over pointers, with
// the rounding done by the float "magic number" (no rounding call, no trapping conversion), which LLVM
// vectorises to 16 lanes in AVX-512 builds. Each writes `range` only, so threads take disjoint ranges.

/// As `qs8AddReference` over `range`.
func qs8Add(_ range: Range<Int>, _ a: UnsafePointer<Int8>, _ b: UnsafePointer<Int8>, constants k: QS8AddConstants,
            output: UnsafeMutablePointer<Int8>) {
    let za = k.zeroPointA, zb = k.zeroPointB, ma = k.multiplierA, mb = k.multiplierB
    let low = k.clamp.low, high = k.clamp.high, offset = k.clamp.zeroPoint &- qs8RoundingMagicBits
    for i in range {
        let x = Float(Int32(a[i]) &- za) * ma + Float(Int32(b[i]) &- zb) * mb
        output[i] = qs8Round(x, low, high, offset)
    }
}

/// qs8RoundAndClamp with its constants hoisted: clamp, add 1.5·2²³, take the low bits.
@inline(__always)
func qs8Round(_ x: Float, _ low: Float, _ high: Float, _ offset: Int32) -> Int8 {
    let clamped = min(max(x, low), high)
    return Int8(truncatingIfNeeded: Int32(bitPattern: (clamped + qs8RoundingMagic).bitPattern) &+ offset)
}

/// As `qs8QuantizeReference` over `range`: round_even(x / s) + z, saturated, NaN → z.
func qs8Quantize(_ range: Range<Int>, _ q: QuantizationParameters, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Int8>) {
    let s = q.scale, z = Int32(q.zeroPoint)
    // Clamping x / s to [−128 − z, 127 − z] before rounding equals rounding, adding z and saturating.
    let low = Float(-128 &- z), high = Float(127 &- z), offset = z &- qs8RoundingMagicBits
    // 16 at a time in SIMD types: the scalar loop's NaN select kept LLVM from vectorising it, and
    // the model's input (224×224×3) took 58 µs, a sixth of the stem.
    let lows = SIMD16<Float>(repeating: low), highs = SIMD16<Float>(repeating: high), scales = SIMD16<Float>(repeating: s)
    let magic = SIMD16<Float>(repeating: qs8RoundingMagic), offsets = SIMD16<Int32>(repeating: offset)
    var i = range.lowerBound
    while i &+ 16 <= range.upperBound {
        var x = load16(input + i) / scales
        x.replace(with: 0, where: x .!= x)  // NaN → 0, so → z
        x.replace(with: lows, where: x .< lows)
        x.replace(with: highs, where: x .> highs)
        let bits = unsafeBitCast(x + magic, to: SIMD16<Int32>.self) &+ offsets
        UnsafeMutableRawPointer(output + i).storeBytes(of: SIMD16<Int8>(truncatingIfNeeded: bits), as: SIMD16<Int8>.self)
        i &+= 16
    }
    while i < range.upperBound {
        let x = input[i] / s
        output[i] = x.isNaN ? Int8(truncatingIfNeeded: z) : qs8Round(x, low, high, offset)
        i &+= 1
    }
}

/// As `qs8DequantizeReference` over `range`.
func qs8Dequantize(_ range: Range<Int>, _ q: QuantizationParameters, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Float>) {
    let s = q.scale, z = Int32(q.zeroPoint)
    for i in range { output[i] = s * Float(Int32(input[i]) &- z) }
}

/// As `qs8RequantizeReference` over `range`.
func qs8RequantizeElements(_ range: Range<Int>, from: QuantizationParameters, to: QuantizationParameters,
                   input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>) {
    let m = Float(Double(from.scale) / Double(to.scale)), z = Int32(from.zeroPoint), zo = Int32(to.zeroPoint)
    let low = Float(-128 &- zo), high = Float(127 &- zo), offset = zo &- qs8RoundingMagicBits
    for i in range { output[i] = qs8Round(Float(Int32(input[i]) &- z) * m, low, high, offset) }
}

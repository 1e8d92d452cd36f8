import CPUFeatures
#if canImport(CPUFeatures.VNNI512)
import _Builtin_intrinsics.intel
#endif

// The one definition of int8 requantization every qs8 kernel and reference shares, so fast kernels
// and references agree exactly (Docs/int8-kernels.md):
//
//     out = clamp(round_even(Float(acc) · m) + z_out, lo, hi)
//
// computed as: x = Float(acc) · m (one float multiply, never fused); x clamped to [lo − z_out, hi − z_out]
// (integers, so clamping before rounding is the same as after); x + 1.5·2²³ rounds x to the nearest
// integer, ties to even, into the low mantissa bits (exact for |x| < 2²²); those bits, less 1.5·2²³'s,
// plus z_out are the output. Only float multiply/min/max/add and integer add: the same operations in
// a scalar loop and in 16 lanes, with no conversion that could round differently.

/// Requantization constants of one output tensor, in the float form the formula above uses.
struct QS8OutputClamp: Sendable, Equatable {
    /// Output zero point.
    var zeroPoint: Int32
    /// lo − z_out and hi − z_out as floats.
    var low: Float, high: Float

    /// `activation` must be linear, relu or relu6 (see `qs8ActivationRange`).
    init(zeroPoint: Int32, low: Int32, high: Int32) {
        self.zeroPoint = zeroPoint
        self.low = Float(low &- zeroPoint)
        self.high = Float(high &- zeroPoint)
    }
}

/// 1.5 · 2²³: adding it to |x| < 2²² leaves round_even(x) in the low mantissa bits.
@usableFromInline let qs8RoundingMagic: Float = 12_582_912
@usableFromInline let qs8RoundingMagicBits = Int32(bitPattern: (12_582_912 as Float).bitPattern)

/// The requantized int8 of an int32 accumulator (formula above); the shared scalar definition.
@inline(__always)
func qs8Requantize(_ acc: Int32, _ multiplier: Float, _ clamp: QS8OutputClamp) -> Int8 {
    let x = min(max(Float(acc) * multiplier, clamp.low), clamp.high)
    let bits = Int32(bitPattern: (x + qs8RoundingMagic).bitPattern)
    return Int8(truncatingIfNeeded: bits &- qs8RoundingMagicBits &+ clamp.zeroPoint)
}

/// The same for a float that is already `Float(acc) · multiplier` (pooling and additions compute it
/// their own way), rounded and clamped exactly as `qs8Requantize`.
@inline(__always)
func qs8RoundAndClamp(_ x: Float, _ clamp: QS8OutputClamp) -> Int8 {
    let x = min(max(x, clamp.low), clamp.high)
    let bits = Int32(bitPattern: (x + qs8RoundingMagic).bitPattern)
    return Int8(truncatingIfNeeded: bits &- qs8RoundingMagicBits &+ clamp.zeroPoint)
}

/// The output range an activation fuses into: linear [−128, 127]; relu [max(−128, z), 127];
/// relu6 [max(−128, z), min(127, z + round_even(6 / s))]. Throws for any other activation.
func qs8ActivationRange(_ activation: Activation, _ q: QuantizationParameters, _ operation: String) throws -> QS8OutputClamp {
    let z = Int32(q.zeroPoint)
    switch activation {
    case .linear: return QS8OutputClamp(zeroPoint: z, low: -128, high: 127)
    case .relu: return QS8OutputClamp(zeroPoint: z, low: max(-128, z), high: 127)
    case .relu6:
        let six = (6 / q.scale).rounded(.toNearestOrEven)
        let top = six >= 255 ? 127 : min(127, z &+ Int32(six))
        return QS8OutputClamp(zeroPoint: z, low: max(-128, z), high: top)
    default:
        throw SepCNNError.invalidArgument("\(operation): int8 kernels fuse only linear, relu and relu6 as an output clamp, not \(activation)")
    }
}

/// Per-channel multipliers m[c] = s_in · s_w[c] / s_out, computed in double and rounded once to float.
func qs8Multipliers(input: QuantizationParameters, weightScales: [Float], output: QuantizationParameters) -> [Float] {
    weightScales.map { Float(Double(input.scale) * Double($0) / Double(output.scale)) }
}

/// The real bias quantized to int32 at scale s_in · s_w[c]: round_even(bias / (s_in · s_w[c])) in
/// double, saturated to the int32 range. nil bias gives zeros.
func qs8QuantizeBias(_ bias: [Float]?, input: QuantizationParameters, weightScales: [Float]) -> [Int32] {
    guard let bias else { return [Int32](repeating: 0, count: weightScales.count) }
    return zip(bias, weightScales).map { b, s in
        let q = (Double(b) / (Double(input.scale) * Double(s))).rounded(.toNearestOrEven)
        return q.isNaN ? 0 : Int32(min(max(q, -2_147_483_648), 2_147_483_647))
    }
}

/// Throws unless the weight scales are n positive finite floats and every weight lies in [−127, 127].
func qs8ValidateWeights(_ weights: [Int8], count: Int, scales: [Float], channels: Int, _ operation: String) throws {
    guard weights.count == count else {
        throw SepCNNError.shapeMismatch("\(operation): the weights must hold \(count) values, got \(weights.count)")
    }
    guard scales.count == channels else {
        throw SepCNNError.shapeMismatch("\(operation): weightScales must hold \(channels) values (one per output channel), got \(scales.count)")
    }
    if let bad = scales.first(where: { !($0.isFinite && $0 > 0) }) {
        throw SepCNNError.invalidArgument("\(operation): weight scales must be positive and finite, got \(bad)")
    }
    if weights.contains(-128) {
        throw SepCNNError.invalidArgument("\(operation): int8 weights are symmetric, in [−127, 127]; −128 is not allowed")
    }
}

// MARK: 16 lanes

// Only in VNNI builds (which have AVX-512 F/BW): the intrinsics crash instruction selection elsewhere.
#if canImport(CPUFeatures.VNNI512)
/// Requantizes 16 int32 accumulators with 16 per-channel multipliers (formula above, lane by lane).
@inline(__always)
func qs8Requantize16(_ acc: SIMD16<Int32>, _ multiplier: SIMD16<Float>, _ clamp: QS8OutputClamp) -> SIMD16<Int32> {
    let all = __mmask16(truncatingIfNeeded: -1)
    let f = _mm512_maskz_cvtepi32_ps(all, unsafeBitCast(acc, to: __m512i.self))
    var x = _mm512_maskz_mul_ps(all, f, multiplier)
    x = _mm512_maskz_max_ps(all, x, SIMD16<Float>(repeating: clamp.low))
    x = _mm512_maskz_min_ps(all, x, SIMD16<Float>(repeating: clamp.high))
    x = _mm512_maskz_add_ps(all, x, SIMD16<Float>(repeating: qs8RoundingMagic))
    return unsafeBitCast(x, to: SIMD16<Int32>.self) &+ SIMD16<Int32>(repeating: clamp.zeroPoint &- qs8RoundingMagicBits)
}

/// Stores the low byte of the first `count` (1...16) lanes. vpmovdb to a register, then a plain
/// 16-byte store for full vectors: vpmovdb straight to memory with a mask measured several times slower.
@inline(__always)
func qs8StoreBytes16(_ p: UnsafeMutablePointer<Int8>, _ v: SIMD16<Int32>, _ count: Int) {
    let bytes = _mm512_cvtepi32_epi8(unsafeBitCast(v, to: __m512i.self))
    if count >= 16 {
        UnsafeMutableRawPointer(p).storeBytes(of: bytes, as: __m128i.self)
    } else {
        _mm_mask_storeu_epi8(UnsafeMutableRawPointer(p), __mmask16(truncatingIfNeeded: (1 &<< count) &- 1), bytes)
    }
}
#endif

// int8 elementwise operations, element-at-a-time references. Each names the one scalar formula its
// fast version (QS8Elementwise.swift) evaluates with the same float operations, so the two agree exactly.

/// The multipliers of an int8 addition: out = qs8RoundAndClamp(Float(a − z_a) · (s_a / s_out) + Float(b − z_b) · (s_b / s_out)).
struct QS8AddConstants: Sendable {
    var zeroPointA: Int32, zeroPointB: Int32
    var multiplierA: Float, multiplierB: Float
    var clamp: QS8OutputClamp

    init(a: QuantizationParameters, b: QuantizationParameters, output: QuantizationParameters, clamp: QS8OutputClamp) {
        zeroPointA = Int32(a.zeroPoint)
        zeroPointB = Int32(b.zeroPoint)
        multiplierA = Float(Double(a.scale) / Double(output.scale))
        multiplierB = Float(Double(b.scale) / Double(output.scale))
        self.clamp = clamp
    }

    /// The shared scalar definition (two multiplies and an add, never fused).
    @inline(__always)
    func callAsFunction(_ a: Int8, _ b: Int8) -> Int8 {
        let x = Float(Int32(a) &- zeroPointA) * multiplierA + Float(Int32(b) &- zeroPointB) * multiplierB
        return qs8RoundAndClamp(x, clamp)
    }
}

func qs8AddReference(count: Int, _ a: UnsafePointer<Int8>, _ b: UnsafePointer<Int8>, constants: QS8AddConstants,
                     output: UnsafeMutablePointer<Int8>) {
    for i in 0..<count { output[i] = constants(a[i], b[i]) }
}

/// QuantizationParameters.quantize element by element: round_even(x / s) + z, saturated; NaN → z.
func qs8QuantizeReference(count: Int, _ q: QuantizationParameters, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Int8>) {
    for i in 0..<count { output[i] = q.quantize(input[i]) }
}

/// QuantizationParameters.dequantize element by element: s · Float(q − z).
func qs8DequantizeReference(count: Int, _ q: QuantizationParameters, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Float>) {
    for i in 0..<count { output[i] = q.dequantize(input[i]) }
}

/// From parameters A to B: qs8RoundAndClamp(Float(q − z_A) · (s_A / s_B)) with B's zero point, over [−128, 127].
func qs8RequantizeReference(count: Int, from: QuantizationParameters, to: QuantizationParameters,
                            input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>) {
    let m = Float(Double(from.scale) / Double(to.scale)), z = Int32(from.zeroPoint)
    let clamp = QS8OutputClamp(zeroPoint: Int32(to.zeroPoint), low: -128, high: 127)
    for i in 0..<count { output[i] = qs8RoundAndClamp(Float(Int32(input[i]) &- z) * m, clamp) }
}

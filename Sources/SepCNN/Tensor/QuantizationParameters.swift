/// How an int8 tensor stands for real numbers: real = scale · (q − zeroPoint), TensorFlow Lite's
/// asymmetric activation scheme (weights use zeroPoint 0 and one scale per output channel).
public struct QuantizationParameters: Hashable, Sendable, Codable {
    public var scale: Float
    public var zeroPoint: Int8

    /// `scale` must be positive and finite.
    public init(scale: Float, zeroPoint: Int8) throws {
        guard scale.isFinite, scale > 0 else {
            throw SepCNNError.invalidArgument("a quantization scale must be positive and finite, got \(scale)")
        }
        self.scale = scale
        self.zeroPoint = zeroPoint
    }

    /// The parameters covering `[minimum, maximum]` widened to include 0 (so zero padding and ReLU's
    /// zero are exact), with the zero point nudged to an integer as TFLite does. An empty or
    /// degenerate range gets scale 1/255 rather than zero.
    public init(range minimum: Float, _ maximum: Float) {
        let low = min(minimum.isFinite ? minimum : 0, 0), high = max(maximum.isFinite ? maximum : 0, 0)
        let scale = high > low ? (high - low) / 255 : 1 / 255
        let zero = (-128 - low / scale).rounded(.toNearestOrEven)
        self.scale = scale
        zeroPoint = Int8(min(max(zero, -128), 127))
    }

    /// round(x / scale) + zeroPoint, ties to even, saturated to [−128, 127]: ONNX QuantizeLinear.
    @inline(__always)
    public func quantize(_ x: Float) -> Int8 {
        let q = (x / scale).rounded(.toNearestOrEven) + Float(zeroPoint)
        return q.isNaN ? zeroPoint : Int8(min(max(q, -128), 127))
    }

    @inline(__always)
    public func dequantize(_ q: Int8) -> Float { scale * Float(Int32(q) - Int32(zeroPoint)) }

    /// The quantization step in real units, and the smallest and largest representable values.
    public var representableRange: ClosedRange<Float> { dequantize(-128)...dequantize(127) }
}

/// A weight held on an int8 grid: symmetric, one scale per output channel, zero point 0 — TFLite's
/// scheme for convolution and dense weights. The parameter's float value is exactly `scale · q`
/// with q in [−127, 127]; model files store q as I8 and the scales beside it.
///
/// Every SepCNN weight layout puts the output channel innermost (`[kh, kw, Cin/g, Cout]`,
/// `[kh, kw, C, M]`, `[Cin, Cout]`, `[in, out]`), so element i belongs to channel i % scales.count.
public struct WeightQuantization: Equatable, Sendable {
    public let scales: [Float]

    /// `scales` must be positive and finite.
    ///
    /// - Parameter scales: one scale per output channel; a weight's float value is `scales[c] · q`.
    /// - Throws: ``SepCNNError`` if `scales` is empty or holds a scale that is not positive and finite.
    public init(scales: [Float]) throws {
        guard !scales.isEmpty else { throw SepCNNError.invalidArgument("a quantized weight needs at least one scale") }
        if let bad = scales.first(where: { !($0.isFinite && $0 > 0) }) {
            throw SepCNNError.invalidArgument("weight scales must be positive and finite, got \(bad)")
        }
        self.scales = scales
    }

    /// The scales that map each channel's largest magnitude to 127 (a channel of zeros gets scale 1).
    ///
    /// - Parameters:
    ///   - weights: the float weights in SepCNN's layout, output channel innermost; non-finite values
    ///     are ignored.
    ///   - channels: the number of output channels: element i belongs to channel i % channels.
    public init(fitting weights: [Float], channels: Int) {
        var largest = [Float](repeating: 0, count: channels)
        for (i, w) in weights.enumerated() where w.isFinite { largest[i % channels] = max(largest[i % channels], abs(w)) }
        scales = largest.map { $0 > 0 ? $0 / 127 : 1 }
    }

    /// These scales, each raised where needed so that the channel's bias quantized at
    /// `inputScale` · scale fits the int32 accumulator with room for the products (|q_b| ≤ 2³⁰), as
    /// TFLite's converter and ONNX Runtime's quantizer adjust them. A channel whose weights
    /// BatchNorm folding left near zero (10⁻¹¹ in EfficientNet-Lite0) would otherwise make the
    /// whole layer run in float.
    public func fittingBias(_ bias: [Float], inputScale: Float) -> WeightQuantization {
        guard bias.count == scales.count, inputScale > 0, inputScale.isFinite else { return self }
        let raised = zip(scales, bias).map { scale, b -> Float in
            let floor = Double(abs(b)) / (Double(inputScale) * 0x1p30) * 1.000_01
            return floor.isFinite ? max(scale, Float(floor)) : scale
        }
        return WeightQuantization(unchecked: raised)
    }

    private init(unchecked scales: [Float]) { self.scales = scales }

    /// q = round(w / scale), ties to even, saturated to the int8 range. Fresh scales
    /// (`init(fitting:channels:)`) keep q in [−127, 127]; −128 survives only from files that hold it.
    public func quantize(_ weights: [Float]) -> [Int8] {
        let channels = scales.count
        return weights.enumerated().map { i, w in
            let q = (w / scales[i % channels]).rounded(.toNearestOrEven)
            return q.isNaN ? 0 : Int8(min(max(q, -128), 127))
        }
    }

    public func dequantize(_ q: [Int8]) -> [Float] {
        let channels = scales.count
        return q.enumerated().map { i, v in scales[i % channels] * Float(v) }
    }
}

extension Parameter {
    /// Puts the weight on the int8 grid of `quantization` (its values become `scale · q`).
    public func quantize(_ quantization: WeightQuantization) throws {
        guard count % quantization.scales.count == 0 else {
            throw SepCNNError.shapeMismatch("\(quantization.scales.count) weight scales do not fit a weight of shape \(describe(shape))")
        }
        value = Tensor(uncheckedShape: shape, scalars: quantization.dequantize(quantization.quantize(value.scalars)))
        self.quantization = quantization
    }

    /// The int8 values of a quantized weight (re-rounded, so training after quantization snaps back
    /// to the grid), or nil for a float one.
    public var quantizedValues: [Int8]? { quantization.map { $0.quantize(value.scalars) } }
}

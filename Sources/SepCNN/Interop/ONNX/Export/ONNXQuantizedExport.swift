import Foundation

/// A quantized model as ONNX's QDQ format, the form ONNX Runtime's `quantize_static` writes and
/// runs on its int8 kernels:
/// - a `FakeQuantize` is QuantizeLinear → DequantizeLinear with its scale and int8 zero point (per tensor);
/// - a weight on an int8 grid is an int8 initializer `NAME_quantized` read by a DequantizeLinear with
///   one scale per output channel (`NAME_scale`, axis 0 of ONNX's layout) and zero points 0.
/// - the bias of a quantized Conv or Gemm whose input is a FakeQuantize's is int32 at scale
///   s_in · s_w[c] (`NAME_quantized`, its DequantizeLinear), as `quantize_static` writes it: ONNX
///   Runtime fuses such a group into its int8 kernels, and SepCNN's int8 plan rounds the bias the same way.
extension ONNXGraphBuilder {
    /// QuantizeLinear → DequantizeLinear of `x`: the same values on the int8 grid of `quantization`.
    mutating func quantizeDequantize(_ quantization: QuantizationParameters, _ x: ONNXExportedValue, path: String) -> ONNXExportedValue {
        let scale = addInitializer("\(path).scale", dims: [], floats: [quantization.scale])
        let zeroPoint = addInitializer("\(path).zero_point", dims: [], int8s: [quantization.zeroPoint])
        let quantized = addNode("QuantizeLinear", inputs: [x.name, scale, zeroPoint], path: path)
        let name = addNode("DequantizeLinear", inputs: [quantized, scale, zeroPoint], path: path)
        return ONNXExportedValue(name: name, shape: x.shape, order: x.order, quantization: quantization)
    }

    /// The value a Conv or Gemm reads as its weight: `weight` (already in ONNX's layout, output
    /// channel first) as a float32 initializer, or, for a quantized weight, its int8 values and a
    /// DequantizeLinear.
    mutating func weightInput(_ name: String, path: String, onnx weight: Tensor, quantization: WeightQuantization?) throws -> String {
        guard let quantization else { return addInitializer(name, dims: weight.shape, floats: weight.scalars) }
        let channels = weight.shape[0], perChannel = weight.count / max(channels, 1)
        let scales = quantization.scales
        guard scales.count == channels || scales.count == 1 else {
            throw SepCNNError.invalidArgument("ONNX export: weight '\(name)' has \(scales.count) scales for \(channels) output channels")
        }
        // The weight is scale · q exactly, so dividing recovers q (WeightQuantization's rounding).
        let q = weight.scalars.enumerated().map { i, w in
            let value = (w / scales[scales.count == 1 ? 0 : i / perChannel]).rounded(.toNearestOrEven)
            return Int8(min(max(value, -128), 127))
        }
        let values = addInitializer("\(name)_quantized", dims: weight.shape, int8s: q)
        let perAxis = scales.count > 1
        let scale = addInitializer("\(name)_scale", dims: perAxis ? [channels] : [], floats: scales)
        let zeroPoint = addInitializer("\(name)_zero_point", dims: perAxis ? [channels] : [], int8s: [Int8](repeating: 0, count: scales.count))
        return addNode("DequantizeLinear", inputs: [values, scale, zeroPoint], path: "\(path)/weight",
                       attributes: perAxis ? [.int("axis", 0)] : [])
    }

    /// The value a quantized Conv or Gemm reads as its bias: int32 at scale `inputScale · scales[c]`
    /// and a DequantizeLinear, or float32 when the input is not int8 or the weight is not quantized.
    mutating func biasInput(_ name: String, path: String, bias: Parameter, input: ONNXExportedValue,
                            weight: WeightQuantization?) -> String {
        let values = bias.value.scalars
        guard let inputScale = input.quantization?.scale, let weight else { return addInitializer(name, dims: [values.count], floats: values) }
        let scales = values.indices.map { inputScale * weight.scales[weight.scales.count == 1 ? 0 : $0 % weight.scales.count] }
        let q = zip(values, scales).map { b, s in
            let value = (b / s).rounded(.toNearestOrEven)
            return value.isFinite ? Int32(min(max(value, -2_147_483_648), 2_147_483_520)) : 0
        }
        let quantized = addInitializer("\(name)_quantized", dims: [values.count], int32s: q)
        let scale = addInitializer("\(name)_scale", dims: [values.count], floats: scales)
        let zeroPoint = addInitializer("\(name)_zero_point", dims: [values.count], int32s: [Int32](repeating: 0, count: values.count))
        return addNode("DequantizeLinear", inputs: [quantized, scale, zeroPoint], path: "\(path)/bias", attributes: [.int("axis", 0)])
    }
}

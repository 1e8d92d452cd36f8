/// ONNX's quantized operators as SepCNN's quantized model: files written by ONNX Runtime's
/// `quantize_static` (QDQ format) and its older QOperator format (QLinearConv, QLinearMatMul).
///
/// - An activation QuantizeLinear becomes a `FakeQuantize` layer: its output is the int8 value,
///   held as the floats it stands for (`scale · (q − zeroPoint)`). The DequantizeLinear reading it
///   is then the identity. uint8 activations become the equivalent int8 (q − 128, zero point − 128).
/// - A DequantizeLinear of an int8 initializer is a weight on an int8 grid: the Conv or Gemm
///   reading it gets the dequantized values and the scales (`Parameter.quantize`), so its values
///   are `scale · q` exactly. Of an int32 initializer (a bias at scale s_in · s_w) it is a float bias.
/// - Types beyond int8 and uint8 (int16, uint16, int4, uint4, float8) are refused by name.
extension ONNXGraphImporter {
    /// How an int8 or uint8 ONNX value maps to SepCNN's int8 scheme.
    struct ActivationQuantization: Equatable {
        /// The int8 equivalent: a uint8 value's zero point is moved down by 128.
        var parameters: QuantizationParameters
        /// The file holds uint8 (q + 128).
        var isUnsigned: Bool
    }

    static let quantizedOperators: Set<String> = ["QuantizeLinear", "DequantizeLinear", "QLinearConv", "QLinearMatMul"]

    mutating func convertQuantized(_ node: Onnx_NodeProto) throws -> Value {
        switch node.opType {
        case "QuantizeLinear": return try convertQuantizeLinear()
        case "DequantizeLinear": return try convertDequantizeLinear()
        case "QLinearConv": return .runtime(try convertQLinearConv())
        default: return .runtime(try convertQLinearMatMul())
        }
    }

    // MARK: - QuantizeLinear and DequantizeLinear

    private mutating func convertQuantizeLinear() throws -> Value {
        try requireInputCount(2...3)
        try refuseBlockedQuantization()
        if case .constant(let c) = try input(0) { return .constant(try quantizedConstant(c)) }
        // A Pad still to be folded into the Conv reading it stays pending: zero is on every int8
        // grid (q = zeroPoint), so quantizing the padded value is padding the quantized one.
        let x = try runtimeInput(0, allowingPad: true)
        let quantization = try activationQuantization(scale: 1, zeroPoint: 2, defaultType: outputTypeAttribute() ?? .uint8)
        var y = try emit(FakeQuantize(quantization.parameters), inputs: [x.id], shape: x.shape)
        y.quantization = quantization
        y.pendingPad = x.pendingPad
        return .runtime(y)
    }

    private mutating func convertDequantizeLinear() throws -> Value {
        try requireInputCount(2...3)
        try refuseBlockedQuantization()
        if case .constant(let c) = try input(0) { return .constant(try dequantizedConstant(c)) }
        var x = try runtimeInput(0, allowingPad: true)
        guard let quantization = x.quantization else {
            throw SepCNNError.invalidArgument("reads '\(current.input[0])', a float value; DequantizeLinear needs the int8 output of a QuantizeLinear, QLinearConv or QLinearMatMul")
        }
        let own = try activationQuantization(scale: 1, zeroPoint: 2, defaultType: quantization.isUnsigned ? .uint8 : .int8)
        guard own == quantization else {
            throw SepCNNError.invalidArgument("dequantizes '\(current.input[0])' with \(describe(own)), but it was quantized with \(describe(quantization)); "
                + "SepCNN imports QuantizeLinear → DequantizeLinear pairs of one quantization")
        }
        x.quantization = nil
        return .runtime(x)
    }

    /// The quantization of an activation: a scalar scale, and a scalar zero point whose type is
    /// the value's (absent: `defaultType`, ONNX's uint8 unless the node says otherwise).
    func activationQuantization(scale scaleIndex: Int, zeroPoint zeroIndex: Int,
                                defaultType: Onnx_TensorProto.DataType) throws -> ActivationQuantization {
        let scale = try constantInput(scaleIndex, "the scale")
        guard scale.count == 1 else {
            throw SepCNNError.invalidArgument("the scale '\(current.input[scaleIndex])' holds \(scale.count) values; SepCNN quantizes activations per tensor (one scale)")
        }
        var type = defaultType, zero = 0.0
        if let zeroPoint = try optionalConstantInput(zeroIndex, "the zero point") {
            guard zeroPoint.count == 1 else {
                throw SepCNNError.invalidArgument("the zero point '\(current.input[zeroIndex])' holds \(zeroPoint.count) values; SepCNN quantizes activations per tensor")
            }
            type = zeroPoint.dataType ?? defaultType
            zero = zeroPoint.values[0]
        }
        let what = zeroIndex < current.input.count && !current.input[zeroIndex].isEmpty ? "the zero point '\(current.input[zeroIndex])'" : "the quantized value"
        try requireInt8OrUInt8(type, what)
        let shift = type == .uint8 ? 128.0 : 0
        guard let zeroPoint = Int8(exactly: zero - shift) else {
            throw SepCNNError.invalidArgument("\(what) is \(zero), outside the range of \(onnxTypeName(type))")
        }
        do {
            return ActivationQuantization(parameters: try QuantizationParameters(scale: scale.floats[0], zeroPoint: zeroPoint), isUnsigned: type == .uint8)
        } catch let error as SepCNNError {
            throw SepCNNError.invalidArgument("the scale '\(current.input[scaleIndex])': \(error.message)")
        }
    }

    /// DequantizeLinear of a constant: its float values `(q − zeroPoint) · scale`, per tensor or
    /// along `axis`. An int8 (or uint8 with zero point 128) weight keeps its scales for the layer reading it.
    func dequantizedConstant(_ q: ONNXConstant, indices: (scale: Int, zeroPoint: Int) = (1, 2), axis fixedAxis: Int? = nil) throws -> ONNXConstant {
        let name = "'\(current.input[indices.scale - 1])'"
        let type = q.dataType ?? .int8
        guard [.int8, .uint8, .int32].contains(type) else {
            throw SepCNNError.invalidArgument("the quantized tensor \(name) is \(onnxTypeName(type)); SepCNN imports int8 and uint8 weights and "
                + "int32 biases only (uint16, int16, int4, uint4 and float8 are not supported)")
        }
        let scale = try constantInput(indices.scale, "the scale")
        let zeroPoint = try optionalConstantInput(indices.zeroPoint, "the zero point")
        if let zeroPoint, let zeroType = zeroPoint.dataType, zeroType != type {
            throw SepCNNError.invalidArgument("the zero point of \(name) is \(onnxTypeName(zeroType)) but the tensor is \(onnxTypeName(type))")
        }
        let scales = scale.floats
        let zeros = zeroPoint.map { $0.values.map { $0 } } ?? [Double](repeating: 0, count: scales.count)
        guard !scales.isEmpty, zeros.count == scales.count, scale.dims.count <= 1 else {
            throw SepCNNError.invalidArgument("\(name) has \(scales.count) scales and \(zeros.count) zero points; they must match, one per tensor or per channel")
        }
        var axis = 0, stride = 1, channels = 1
        if scales.count > 1 {
            axis = try fixedAxis ?? self.axis(attributes.int("axis", default: 1), rank: q.dims.count)
            channels = q.dims[axis]
            stride = q.dims[(axis + 1)...].reduce(1, *)
            guard channels == scales.count else {
                throw SepCNNError.invalidArgument("\(name) has \(scales.count) scales for \(channels) channels along axis \(axis)")
            }
        }
        // The int8 equivalent of every zero point: a symmetric weight has 0 in each channel.
        let signedZeros = zeros.map { type == .uint8 ? $0 - 128 : $0 }
        if type != .int32, let bad = signedZeros.firstIndex(where: { $0 != 0 }) {
            throw SepCNNError.invalidArgument("the weight \(name) has zero point \(Int(zeros[bad]))\(scales.count > 1 ? " in channel \(bad)" : ""); "
                + "SepCNN takes symmetric int8 weights (zero point 0\(type == .uint8 ? ", or 128 for uint8" : "")) only")
        }
        let values = q.values.enumerated().map { i, v in
            let c = (i / stride) % channels
            return Float(v - zeros[c]) * scales[c]
        }
        var result = ONNXConstant(dims: q.dims, floats: values)
        if type != .int32 { result.weightScales = ONNXConstant.WeightScales(axis: axis, scales: scales) }
        return result
    }

    /// QuantizeLinear of a constant: its integers (ONNX's rounding: half to even, saturating).
    private func quantizedConstant(_ x: ONNXConstant) throws -> ONNXConstant {
        let quantization = try activationQuantization(scale: 1, zeroPoint: 2, defaultType: outputTypeAttribute() ?? .uint8)
        let shift: Double = quantization.isUnsigned ? 128 : 0
        let q = x.floats.map { Double(quantization.parameters.quantize($0)) + shift }
        var result = ONNXConstant(dims: x.dims, values: q, isInteger: true)
        result.dataType = quantization.isUnsigned ? .uint8 : .int8
        return result
    }

    /// Opset 21's `output_dtype` (0 or absent: decided by the zero point).
    private func outputTypeAttribute() throws -> Onnx_TensorProto.DataType? {
        let raw = try attributes.int("output_dtype", default: 0)
        guard raw != 0 else { return nil }
        return Onnx_TensorProto.DataType(rawValue: raw) ?? .undefined
    }

    private func refuseBlockedQuantization() throws {
        if try attributes.int("block_size", default: 0) != 0 {
            throw SepCNNError.invalidArgument("blocked quantization (block_size) is not supported; SepCNN quantizes per tensor or per channel")
        }
    }

    private func requireInt8OrUInt8(_ type: Onnx_TensorProto.DataType, _ what: String) throws {
        guard type == .int8 || type == .uint8 else {
            throw SepCNNError.invalidArgument("\(what) is \(onnxTypeName(type)); SepCNN imports int8 and uint8 quantization only "
                + "(uint16, int16, int4, uint4 and float8 are not supported)")
        }
    }

    private func describe(_ q: ActivationQuantization) -> String {
        let zero = Int(q.parameters.zeroPoint) + (q.isUnsigned ? 128 : 0)
        return "scale \(q.parameters.scale), zero point \(zero) (\(q.isUnsigned ? "uint8" : "int8"))"
    }

    // MARK: - QOperator format

    /// QLinearConv: DequantizeLinear of input and weight, Conv, QuantizeLinear, in one node.
    private mutating func convertQLinearConv() throws -> RuntimeValue {
        try requireInputCount(8...9)
        let x = try quantizedInput(0, scale: 1, zeroPoint: 2)
        let weight = try dequantizedConstant(try constantInput(3, "the weight"), indices: (4, 5), axis: 0)
        var bias: ONNXConstant?
        if let b = try optionalConstantInput(8, "the bias") {
            // int32 at scale x_scale · w_scale[c], zero point 0.
            let scales = weight.weightScales!.scales, m = weight.dims[0]
            guard b.count == m else { throw SepCNNError.invalidArgument("the bias has \(b.count) values for \(m) output channels") }
            bias = ONNXConstant(dims: [m], floats: (0..<m).map { Float(b.values[$0]) * (x.scale * scales[scales.count == 1 ? 0 : $0]) })
        }
        return try requantized(try convolution(x.value, weight: weight, bias: bias), scale: 6, zeroPoint: 7)
    }

    /// QLinearMatMul: [batch, K] × constant [K, M], per-tensor or per-column weight scales.
    private mutating func convertQLinearMatMul() throws -> RuntimeValue {
        try requireInputCount(8...8)
        let a = try quantizedInput(0, scale: 1, zeroPoint: 2)
        let bq = try constantInput(3, "B")
        let b = try dequantizedConstant(bq, indices: (4, 5), axis: max(bq.dims.count - 1, 0))
        return try requantized(try dense(a.value, weight: b, outputAxis: 1, bias: nil, alpha: 1, beta: 1), scale: 6, zeroPoint: 7)
    }

    /// A QLinear operator's int8 input, whose quantization must be the one the node states.
    private func quantizedInput(_ index: Int, scale: Int, zeroPoint: Int) throws -> (value: RuntimeValue, scale: Float) {
        let x = try runtimeInput(index)
        guard let quantization = x.quantization else {
            throw SepCNNError.invalidArgument("reads '\(current.input[index])', a float value; \(current.opType) needs an int8 input")
        }
        let own = try activationQuantization(scale: scale, zeroPoint: zeroPoint, defaultType: quantization.isUnsigned ? .uint8 : .int8)
        guard own == quantization else {
            throw SepCNNError.invalidArgument("reads '\(current.input[index])' as \(describe(own)), but it was quantized with \(describe(quantization))")
        }
        var value = x
        value.quantization = nil
        return (value, own.parameters.scale)
    }

    private mutating func requantized(_ y: RuntimeValue, scale: Int, zeroPoint: Int) throws -> RuntimeValue {
        let quantization = try activationQuantization(scale: scale, zeroPoint: zeroPoint, defaultType: .uint8)
        var output = try emit(FakeQuantize(quantization.parameters), inputs: [y.id], shape: y.shape, suffix: "_quantize")
        output.quantization = quantization
        return output
    }

    // MARK: - The graph's output

    /// A graph output that is still int8 (a QuantizeLinear with no DequantizeLinear after it):
    /// SepCNN returns the integers themselves, as floats, so the values equal ONNX Runtime's.
    mutating func integerOutput(_ output: RuntimeValue) throws -> RuntimeValue {
        guard let quantization = output.quantization else { return output }
        let q = quantization.parameters
        let one = [Int](repeating: 1, count: output.rank)
        let divided = try emit(Elementwise(.divide, constant: Tensor(shape: one, scalars: [q.scale])), inputs: [output.id], shape: output.shape, suffix: "_integers")
        let zero = Float(Int(q.zeroPoint) + (quantization.isUnsigned ? 128 : 0))
        guard zero != 0 else { return divided }
        return try emit(Elementwise(.add, constant: Tensor(shape: one, scalars: [zero])), inputs: [divided.id], shape: output.shape, suffix: "_zeroPoint")
    }

    /// Keeps a layer's weight on the int8 grid of the DequantizeLinear it came from, when its
    /// scales are per tensor or along the output channel (ONNX axis `outputAxis` of the weight).
    /// Scales along another axis leave the weight in float (exact values, not an int8 layer).
    func keepOnGrid(_ weight: Parameter, _ source: ONNXConstant, outputAxis: Int, factor: Float = 1) throws {
        guard let quantized = source.weightScales, quantized.scales.count == 1 || quantized.axis == outputAxis else { return }
        try weight.quantize(WeightQuantization(scales: quantized.scales.map { $0 * abs(factor) }))
    }
}

/// An ONNX element type by name ("int8", "uint16", "float8e4m3fn"), for messages.
func onnxTypeName(_ type: Onnx_TensorProto.DataType) -> String {
    String(describing: type).lowercased()
}

func onnxTypeName(_ raw: Int32) -> String {
    Onnx_TensorProto.DataType(rawValue: Int(raw)).map(onnxTypeName) ?? "type \(raw)"
}

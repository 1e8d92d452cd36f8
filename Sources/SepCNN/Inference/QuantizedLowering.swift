/// How int8 values enter and leave a plan. A `FakeQuantize` marks a value as int8; the
/// convolution, addition or pooling before it writes int8 straight from its store when its input
/// is int8 too, and every float step reads an int8 value through one dequantize step shared by all
/// its float readers. So quantize and dequantize steps appear only at the edges of the int8 part.
extension PlanBuilder {
    /// The int8 grid of `value`, or nil for a float value.
    func quantization(of value: Int) -> QuantizationParameters? { values[value].elementType.quantization }

    /// `value` as float32: itself, or its dequantized copy (made once).
    mutating func floatInput(_ value: Int) -> Int {
        guard let q = quantization(of: value) else { return value }
        if let copy = dequantized[value] { return copy }
        let copy = newValue(shape(of: value))
        steps.append(DequantizeStep(operation: DequantizeOperator(count: values[value].elementCount, q),
                                    inputs: [value], output: copy, label: "dequantize"))
        dequantized[value] = copy
        return copy
    }

    /// `value` on the int8 grid `q`: quantized if it is float, requantized if it is int8 on another grid.
    mutating func int8Value(_ value: Int, _ q: QuantizationParameters, label: String) throws -> Int {
        let count = values[value].elementCount
        switch quantization(of: value) {
        case q?: return value
        case let other?:
            return emit(qs8: QS8RequantizeOperator(count: count, from: other, to: q), input: value, shape: shape(of: value),
                        quantization: q, label: label)
        case nil:
            let output = newValue(shape(of: value), ArenaElementType(q))
            steps.append(QuantizeStep(operation: QuantizeOperator(count: count, q), inputs: [value], output: output, label: label))
            return output
        }
    }

    /// Appends a step running an int8 operator into a new int8 value of `shape` on grid `q`.
    mutating func emit<Operation: QS8UnaryOperator>(qs8 operation: Operation, input: Int, shape: [Int],
                                                    quantization q: QuantizationParameters, label: String) -> Int {
        let output = newValue(shape, ArenaElementType(q))
        steps.append(QS8OperatorStep(operation: operation, inputs: [input], output: output, label: label))
        return output
    }

    /// `a + b` of two int8 values of one shape on grid `q` by the int8 kernel, if `layer` is such an
    /// addition; nil otherwise (the caller lowers it in float).
    mutating func int8Addition(_ layer: any Layer, inputs: [Int], _ q: QuantizationParameters, label: String) throws -> Int? {
        guard let add = layer as? Elementwise, add.operation == .add, add.constant == nil, inputs.count == 2,
              let a = quantization(of: inputs[0]), let b = quantization(of: inputs[1]), shape(of: inputs[0]) == shape(of: inputs[1])
        else { return nil }
        return try emitInt8Addition(inputs, a, b, q, label: label)
    }

    /// Appends the int8 addition of two int8 values of one shape (grids `a`, `b`) into a new value on grid `q`.
    mutating func emitInt8Addition(_ inputs: [Int], _ a: QuantizationParameters, _ b: QuantizationParameters,
                                   _ q: QuantizationParameters, label: String) throws -> Int {
        let output = newValue(shape(of: inputs[0]), ArenaElementType(q))
        let sum = try QS8AddOperator(count: values[output].elementCount, a: a, b: b, output: q, activation: .linear)
        steps.append(QS8AddStep(operation: sum, inputs: inputs, output: output, label: label))
        return output
    }

    /// A convolution of geometry `g` on the int8 kernels (depthwise, pixelwise GEMM, stem or im2col,
    /// as `QS8ConvolutionOperator` picks).
    mutating func emitInt8Convolution(_ g: ConvGeometry, _ folded: FoldedConvolution, weights: [Int8], input: Int,
                                      inputQuantization: QuantizationParameters, outputQuantization: QuantizationParameters,
                                      label: String) throws -> Int {
        let convolution = try QS8ConvolutionOperator(g, weights: weights, weightScales: folded.weightQuantization?.scales ?? [],
                                                     bias: folded.bias, input: inputQuantization, output: outputQuantization,
                                                     activation: folded.activation)
        return emit(qs8: convolution, input: input, shape: [g.batch, g.outputHeight, g.outputWidth, g.outputChannels],
                    quantization: outputQuantization, label: label)
    }

    /// `[rows, k] × [k, n]` on the int8 GEMM: pointwise convolutions (rows = pixels) and dense layers (rows = batch).
    mutating func emitInt8GEMM(rows: Int, k: Int, n: Int, outputShape: [Int], _ folded: FoldedConvolution, weights: [Int8], input: Int,
                               inputQuantization: QuantizationParameters, outputQuantization: QuantizationParameters,
                               label: String) throws -> Int {
        let product = try QS8GEMMOperator(rows: rows, k: k, n: n, weights: weights, weightScales: folded.weightQuantization?.scales ?? [],
                                          bias: folded.bias, input: inputQuantization, output: outputQuantization,
                                          activation: folded.activation)
        return emit(qs8: product, input: input, shape: outputShape, quantization: outputQuantization, label: label)
    }

    /// A convolution or dense layer, folded and fused: on the int8 kernels when its input is int8,
    /// its weights are on an int8 grid, a FakeQuantize gave its output a grid and its activation is
    /// a clamp; otherwise in float, quantized afterwards if a grid was asked for.
    mutating func lowerConvolution(_ conv: any FoldableLayer, _ folded: FoldedConvolution, input: Int, label: String) throws -> Int {
        if let grid = quantization(of: input) { convolutionInputGrids[ObjectIdentifier(conv as AnyObject)] = grid }
        if let int8 = conv as? any Int8LowerableLayer, let inputQuantization = quantization(of: input),
           let weights = folded.weightQuantization, let outputQuantization = folded.outputQuantization,
           [.linear, .relu, .relu6].contains(folded.activation),
           Self.biasFitsInt32(folded.bias, inputScale: inputQuantization.scale, weightScales: weights.scales),
           case let q = weights.quantize(folded.weights), !q.contains(-128) {  // −128 only from files the kernels refuse
            return try int8.lowerInt8(folded, weights: q, into: &self, input: input,
                                      inputQuantization: inputQuantization, outputQuantization: outputQuantization, label: label)
        }
        let output = try conv.lower(folded, into: &self, input: input, label: label)
        guard let q = folded.outputQuantization else { return output }
        return try int8Value(output, q, label: "quantize")
    }
}

extension PlanBuilder {
    /// The int8 grid of every convolution and dense layer's input in `model`'s plan, by layer.
    static func convolutionInputGrids(_ model: Model) throws -> [ObjectIdentifier: QuantizationParameters] {
        var lowering = PlanBuilder(inputShape: [1] + model.inputShape)
        _ = try lowering.lower(model.network, name: "", input: 0)
        return lowering.convolutionInputGrids
    }

    /// Whether every bias quantized at s_in · s_w[c] leaves the int32 accumulator room for the
    /// products (|q_b| ≤ 2³⁰). A tiny input scale — a calibrated range of 10⁻⁸, from BatchNorm
    /// statistics never trained — would saturate it, and the int8 result would silently lose the
    /// bias; such a layer runs in float instead.
    static func biasFitsInt32(_ bias: [Float], inputScale: Float, weightScales: [Float]) -> Bool {
        let channels = weightScales.count
        return bias.enumerated().allSatisfy { c, b in
            abs(Double(b) / (Double(inputScale) * Double(weightScales[c % channels]))) <= 0x1p30
        }
    }
}

/// A convolution or dense layer with an int8 kernel.
protocol Int8LowerableLayer: FoldableLayer {
    /// Emits the int8 step for `folded` (weights `weights` on grid `folded.weightQuantization`)
    /// reading int8 value `input`; returns the int8 value it writes on grid `outputQuantization`.
    func lowerInt8(_ folded: FoldedConvolution, weights: [Int8], into builder: inout PlanBuilder, input: Int,
                   inputQuantization: QuantizationParameters, outputQuantization: QuantizationParameters, label: String) throws -> Int
}

extension Conv2D: Int8LowerableLayer {
    func lowerInt8(_ folded: FoldedConvolution, weights: [Int8], into builder: inout PlanBuilder, input: Int,
                   inputQuantization: QuantizationParameters, outputQuantization: QuantizationParameters, label: String) throws -> Int {
        try builder.emitInt8Convolution(try geometry(for: builder.shape(of: input)), folded, weights: weights, input: input,
                                        inputQuantization: inputQuantization, outputQuantization: outputQuantization, label: label)
    }
}

extension DepthwiseConv2D: Int8LowerableLayer {
    func lowerInt8(_ folded: FoldedConvolution, weights: [Int8], into builder: inout PlanBuilder, input: Int,
                   inputQuantization: QuantizationParameters, outputQuantization: QuantizationParameters, label: String) throws -> Int {
        try builder.emitInt8Convolution(try geometry(for: builder.shape(of: input)), folded, weights: weights, input: input,
                                        inputQuantization: inputQuantization, outputQuantization: outputQuantization, label: label)
    }
}

extension PointwiseConv2D: Int8LowerableLayer {
    func lowerInt8(_ folded: FoldedConvolution, weights: [Int8], into builder: inout PlanBuilder, input: Int,
                   inputQuantization: QuantizationParameters, outputQuantization: QuantizationParameters, label: String) throws -> Int {
        let shape = try outputShape(for: builder.shape(of: input))
        return try builder.emitInt8GEMM(rows: shape.dropLast().reduce(1, *), k: inputChannels, n: outputChannels, outputShape: shape,
                                        folded, weights: weights, input: input, inputQuantization: inputQuantization,
                                        outputQuantization: outputQuantization, label: label)
    }
}

extension Dense: Int8LowerableLayer {
    func lowerInt8(_ folded: FoldedConvolution, weights: [Int8], into builder: inout PlanBuilder, input: Int,
                   inputQuantization: QuantizationParameters, outputQuantization: QuantizationParameters, label: String) throws -> Int {
        let shape = try outputShape(for: builder.shape(of: input))
        return try builder.emitInt8GEMM(rows: shape[0], k: inputFeatures, n: outputFeatures, outputShape: shape, folded,
                                        weights: weights, input: input, inputQuantization: inputQuantization,
                                        outputQuantization: outputQuantization, label: label)
    }
}

extension FakeQuantize: LowerableLayer {
    /// A FakeQuantize no producer absorbed: a quantize step after a float value, a requantize
    /// step between two grids, nothing on its own grid.
    func lower(into builder: inout PlanBuilder, input: Int, label: String) throws -> Int {
        try builder.int8Value(input, quantization, label: label)
    }
}

extension Residual {
    /// The residual addition on the int8 kernel when both branches end int8 and a grid is asked for.
    func lower(into builder: inout PlanBuilder, input: Int, label: String, outputQuantization: QuantizationParameters?) throws -> Int {
        let main = try builder.lower(body, name: label, input: input)
        let skip = try shortcut.map { try builder.lower($0, name: PlanBuilder.join(label, "shortcut"), input: input) } ?? input
        let shape = try addition.outputShape(builder.shape(of: main), builder.shape(of: skip))
        let addLabel = PlanBuilder.join(label, "add")
        if let q = outputQuantization, let a = builder.quantization(of: main), let b = builder.quantization(of: skip) {
            return try builder.emitInt8Addition([main, skip], a, b, q, label: addLabel)
        }
        let sum = builder.emit(try BinaryOperator(.add, shape, builder.shape(of: skip)), inputs: [main, skip], label: addLabel)
        return try outputQuantization.map { try builder.int8Value(sum, $0, label: "quantize") } ?? sum
    }
}

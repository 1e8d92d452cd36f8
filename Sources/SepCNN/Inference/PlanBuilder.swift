/// Lowers a layer tree into plan steps. Each layer emits its own steps (`LowerableLayer`); the
/// builder owns the patterns that span neighbours: it folds a BatchNorm into the convolution
/// before it and fuses the activation after it, so `conv → BN → ReLU6` becomes one kernel call.
struct PlanBuilder {
    var steps: [any PlanStep] = []
    /// Every value the plan computes; value 0 is the (float32) input.
    private(set) var values: [PlanValue]
    /// The float copy of each int8 value some float step has read, so several readers share one.
    var dequantized: [Int: Int] = [:]
    /// The int8 grid of each convolution or dense layer's input, by layer, as lowering met them:
    /// what the quantizer needs to size weight scales for the biases.
    var convolutionInputGrids: [ObjectIdentifier: QuantizationParameters] = [:]

    init(inputShape: [Int]) {
        values = [PlanValue(inputShape)]
    }

    func shape(of value: Int) -> [Int] { values[value].shape }

    mutating func newValue(_ shape: [Int], _ elementType: ArenaElementType = .float32) -> Int {
        values.append(PlanValue(shape, elementType))
        return values.count - 1
    }

    /// The layers a container runs, nested containers opened up.
    static func flatten(_ layer: any Layer) -> [(name: String, layer: any Layer)] {
        guard let container = layer as? any SequenceLayer else { return [("", layer)] }
        return container.sequence.flatMap { child in flatten(child.layer).map { (join(child.name, $0.name), $0.layer) } }
    }

    static func join(_ a: String, _ b: String) -> String { a.isEmpty ? b : b.isEmpty ? a : "\(a).\(b)" }

    /// Emits the steps of `layer` (called `name`) reading value `input`; returns the value holding its output.
    mutating func lower(_ layer: any Layer, name: String, input: Int) throws -> Int {
        try lower(run: Self.flatten(layer).map { (name: Self.join(name, $0.name), layer: $0.layer) }, input: input)
    }

    /// Emits a run of layers applied one after another, folding and fusing where the pattern allows.
    mutating func lower(run: [(name: String, layer: any Layer)], input: Int) throws -> Int {
        var value = input
        var index = 0
        // Absorbs the next layer of the run if it is a `T` that `accepts`; returns it.
        func next<T>(_ type: T.Type, where accepts: (T) -> Bool = { _ in true }) -> (name: String, layer: T)? {
            guard index < run.count, let layer = run[index].layer as? T, accepts(layer) else { return nil }
            index += 1
            return (run[index - 1].name, layer)
        }
        while index < run.count {
            let (name, current) = run[index]
            index += 1
            value = try within(name.isEmpty ? current.typeName : name) {
                if let conv = current as? any FoldableLayer {
                    var folded = conv.folded
                    var labels = [name]
                    if folded.activation == .linear, let bn = next(BatchNorm.self, where: { $0.channels == folded.outputChannels }) {
                        folded.fold(bn.layer)
                        labels.append(bn.name)
                    }
                    if folded.activation == .linear, let act = next((any ActivationLayer).self) {
                        folded.activation = act.layer.activation
                        labels.append(act.name)
                    }
                    if let point = next(FakeQuantize.self) {
                        folded.outputQuantization = point.layer.quantization
                        labels.append(point.name)
                    }
                    return try lowerConvolution(conv, folded, input: value, label: labels.joined(separator: " + "))
                }
                if let residual = current as? Residual, let point = next(FakeQuantize.self) {
                    return try residual.lower(into: &self, input: value, label: name, outputQuantization: point.layer.quantization)
                }
                if let bn = current as? BatchNorm {
                    let act = next((any ActivationLayer).self)
                    return try bn.lower(activation: act?.layer.activation ?? .linear, into: &self, input: value,
                                        label: ([name] + (act.map { [$0.name] } ?? [])).joined(separator: " + "))
                }
                if let lowerable = current as? any LowerableLayer {
                    return try lowerable.lower(into: &self, input: value, label: name)
                }
                return try emitLayerStep(current, input: value, label: name)
            }
        }
        return value
    }

    /// Appends a step running `operation` on `input` into a new value of `shape`; returns that value.
    mutating func emit<Operation: UnaryOperator>(_ operation: Operation, input: Int, shape: [Int], label: String) -> Int {
        let input = floatInput(input)
        let output = newValue(shape)
        steps.append(OperatorStep(operation, input: input, output: output, label: label))
        return output
    }

    /// A convolution whose operator chose the depthwise kernels or a GEMM becomes a step of that
    /// operator, so block fusion sees it as it sees DepthwiseConv2D and PointwiseConv2D.
    mutating func emit(convolution: ConvolutionOperator, input: Int, shape: [Int], label: String) -> Int {
        switch convolution.kernel {
        case .depthwise(let depthwise): return emit(depthwise, input: input, shape: shape, label: label)
        case .gemm(let product): return emit(product, input: input, shape: shape, label: label)
        case .fewChannels, .im2col, .winograd3x3: return emit(convolution, input: input, shape: shape, label: label)
        }
    }

    /// Appends a step running `operation` on two values; returns the value it writes.
    mutating func emit(_ operation: BinaryOperator, inputs: [Int], label: String) -> Int {
        let inputs = inputs.map { floatInput($0) }
        let output = newValue(operation.outputShape)
        steps.append(BinaryStep(operation: operation, constant: nil, constantFirst: false, inputs: inputs, output: output, label: label))
        return output
    }

    /// Appends a step running `operation` on a value and a constant; returns the value it writes.
    mutating func emit(_ operation: BinaryOperator, constant: [Float], constantFirst: Bool, input: Int, label: String) -> Int {
        let input = floatInput(input)
        let output = newValue(operation.outputShape)
        steps.append(BinaryStep(operation: operation, constant: AlignedFloats(constant), constantFirst: constantFirst,
                                inputs: [input], output: output, label: label))
        return output
    }

    mutating func emit(_ operation: ConcatenationOperator, inputs: [Int], label: String) -> Int {
        let inputs = inputs.map { floatInput($0) }
        let output = newValue(operation.outputShape)
        steps.append(ConcatenateStep(operation: operation, inputs: inputs, output: output, label: label))
        return output
    }

    /// A reshape: the same values under `shape`, float or int8.
    mutating func emitCopy(input: Int, shape: [Int], label: String) -> Int {
        let output = newValue(shape, values[input].elementType)
        steps.append(CopyStep(byteCount: values[output].byteCount, inputs: [input], output: output, label: label))
        return output
    }

    /// A layer with no steps of its own runs its `forward`.
    mutating func emitLayerStep(_ layer: any Layer, input: Int, label: String) throws -> Int {
        let input = floatInput(input)
        let inputShape = shape(of: input)
        let output = newValue(try layer.outputShape(for: inputShape))
        steps.append(LayerStep(layer: layer, inputShape: inputShape, inputs: [input], output: output, label: label))
        return output
    }
}

/// 1×1 convolution: mixes channels pixel by pixel, a matrix multiply of `[pixels, inputChannels]`
/// by the `[inputChannels, outputChannels]` weight (PyTorch `Conv2d(k=1)`, Keras `Conv2D(kernel_size=1)`).
/// Use `Conv2D` with `kernelSize: 1` for a strided 1×1 convolution.
public final class PointwiseConv2D: Layer {
    public let inputChannels: Int
    public let outputChannels: Int
    public let activation: Activation
    /// `[inputChannels, outputChannels]` (Keras's `[1, 1, Cin, Cout]` without the unit dimensions).
    public let weight: Parameter
    /// `[outputChannels]`, or nil without bias.
    public let bias: Parameter?

    /// Initialised like PyTorch: weights Kaiming-uniform (a = √5), bias U(±1/√inputChannels).
    ///
    /// - Parameters:
    ///   - inputChannels: C of the NHWC input (PyTorch `in_channels`).
    ///   - outputChannels: channels of the output (PyTorch `out_channels`, Keras `filters`).
    ///   - bias: whether the layer adds a learned bias per output channel (default true). Before a
    ///     ``BatchNorm`` it is redundant and usually turned off.
    ///   - activation: applied to the output in the same pass (default `.linear`, none).
    /// - Throws: ``SepCNNError`` if either channel count is not positive.
    public init(inputChannels: Int, outputChannels: Int, bias: Bool = true, activation: Activation = .linear) throws {
        try requirePositive(inputChannels, "inputChannels", "PointwiseConv2D")
        try requirePositive(outputChannels, "outputChannels", "PointwiseConv2D")
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.activation = activation
        weight = Parameter(try Initializer.pytorchWeight.tensor(
            shape: [inputChannels, outputChannels], fanIn: inputChannels, fanOut: outputChannels))
        self.bias = bias
            ? Parameter(try Initializer.pytorchBias(fanIn: inputChannels).tensor(shape: [outputChannels], fanIn: inputChannels, fanOut: outputChannels))
            : nil
    }

    public var ownParameters: [(name: String, parameter: Parameter)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        try requireNHWC(inputShape, typeName, channels: inputChannels)
        return [inputShape[0], inputShape[1], inputShape[2], outputChannels]
    }

    public func macs(for inputShape: [Int]) -> Int {
        inputShape.count == 4 ? inputShape[0] * inputShape[1] * inputShape[2] * inputChannels * outputChannels : 0
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        try multiply(input, activation: activation)
    }

    /// The product with the weights plus bias, followed by `activation`.
    private func multiply(_ input: Tensor, activation: Activation) throws -> Tensor {
        let shape = try outputShape(for: input.shape)
        let product = try GEMMOperator(rows: shape.dropLast().reduce(1, *), k: inputChannels, n: outputChannels,
                                       weights: weight.value.scalars, bias: bias?.value.scalars, activation: activation)
        return try product(input, outputShape: shape)
    }

    public func forwardWithPullback(_ input: Tensor, training: Bool) throws -> (output: Tensor, pullback: Pullback) {
        let linear = try multiply(input, activation: .linear)
        let output = applying(activation, to: linear)
        let pullback = weightedLayerPullback(typeName, input: input, linear: linear, output: output, activation: activation,
                                             weight: weight, bias: bias) { [self] x, w, dy, dx, dw, db in
            linearBackward(m: input.count / inputChannels, k: inputChannels, n: outputChannels, input: x, weights: w,
                           gradOutput: dy, gradInput: dx, gradWeights: dw, gradBias: db)
        }
        return (output, pullback)
    }
}

extension PointwiseConv2D: FoldableLayer {
    var folded: FoldedConvolution {
        FoldedConvolution(weights: weight.value, bias: bias?.value, activation: activation, outputChannels: outputChannels,
                          weightQuantization: weight.quantization)
    }

    func lower(_ folded: FoldedConvolution, into builder: inout PlanBuilder, input: Int, label: String) throws -> Int {
        let shape = try outputShape(for: builder.shape(of: input))
        let product = try GEMMOperator(rows: shape.dropLast().reduce(1, *), k: inputChannels, n: outputChannels,
                                       weights: folded.weights, bias: folded.bias, activation: folded.activation)
        return builder.emit(product, input: input, shape: shape, label: label)
    }
}

extension PointwiseConv2D: DescribableLayer {
    public struct Configuration: Codable, Equatable, Sendable {
        public var inputChannels: Int
        public var outputChannels: Int
        public var bias: Bool
        public var activation: Activation
    }

    public static func parameterCount(of c: Configuration) -> Int {
        saturatingSum([saturatingProduct(c.inputChannels, c.outputChannels), c.bias ? c.outputChannels : 0])
    }

    public var configuration: Configuration {
        Configuration(inputChannels: inputChannels, outputChannels: outputChannels, bias: bias != nil, activation: activation)
    }

    public convenience init(configuration c: Configuration, children: [(name: String, layer: any Layer)]) throws {
        try self.init(inputChannels: c.inputChannels, outputChannels: c.outputChannels, bias: c.bias, activation: c.activation)
    }
}

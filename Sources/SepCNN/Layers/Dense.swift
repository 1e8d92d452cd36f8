/// A fully connected layer on `[batch, inputFeatures]` (PyTorch `Linear`, Keras `Dense`).
/// `weight` is `[inputFeatures, outputFeatures]` (Keras order; PyTorch stores its transpose).
public final class Dense: Layer {
    public let inputFeatures: Int
    public let outputFeatures: Int
    public let activation: Activation
    /// `[inputFeatures, outputFeatures]`
    public let weight: Parameter
    /// `[outputFeatures]`, or nil without bias.
    public let bias: Parameter?

    /// Initialised like PyTorch's `Linear`: weights Kaiming-uniform (a = √5), bias U(±1/√inputFeatures).
    ///
    /// - Parameters:
    ///   - inputFeatures: features of each `[batch, inputFeatures]` row (PyTorch `in_features`); after
    ///     ``Flatten`` of an NHWC map, H · W · C.
    ///   - outputFeatures: features out (PyTorch `out_features`, Keras `units`): the class count for a
    ///     classifier's last layer.
    ///   - bias: whether the layer adds a learned bias (default true).
    ///   - activation: applied to the output in the same pass (default `.linear`: logits, which the
    ///     losses expect).
    /// - Throws: ``SepCNNError`` if either count is not positive.
    public init(inputFeatures: Int, outputFeatures: Int, bias: Bool = true, activation: Activation = .linear) throws {
        try requirePositive(inputFeatures, "inputFeatures", "Dense")
        try requirePositive(outputFeatures, "outputFeatures", "Dense")
        self.inputFeatures = inputFeatures
        self.outputFeatures = outputFeatures
        self.activation = activation
        weight = Parameter(try Initializer.pytorchWeight.tensor(
            shape: [inputFeatures, outputFeatures], fanIn: inputFeatures, fanOut: outputFeatures))
        self.bias = bias
            ? Parameter(try Initializer.pytorchBias(fanIn: inputFeatures).tensor(shape: [outputFeatures], fanIn: inputFeatures, fanOut: outputFeatures))
            : nil
    }

    public var ownParameters: [(name: String, parameter: Parameter)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard inputShape.count == 2, inputShape[1] == inputFeatures else {
            let hint = inputShape.count == 4 ? " (add Flatten or GlobalAvgPool before it)" : ""
            throw SepCNNError.shapeMismatch(
                "Dense expects input [batch, \(inputFeatures)], got \(describe(inputShape))\(hint)")
        }
        return [inputShape[0], outputFeatures]
    }

    public func macs(for inputShape: [Int]) -> Int {
        inputShape.count == 2 ? inputShape[0] * inputFeatures * outputFeatures : 0
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        try multiply(input, activation: activation)
    }

    /// The product with the weights plus bias, followed by `activation`.
    private func multiply(_ input: Tensor, activation: Activation) throws -> Tensor {
        let shape = try outputShape(for: input.shape)
        let product = try GEMMOperator(rows: shape[0], k: inputFeatures, n: outputFeatures,
                                       weights: weight.value.scalars, bias: bias?.value.scalars, activation: activation)
        return try product(input, outputShape: shape)
    }

    public func forwardWithPullback(_ input: Tensor, training: Bool) throws -> (output: Tensor, pullback: Pullback) {
        let linear = try multiply(input, activation: .linear)
        let output = applying(activation, to: linear)
        let pullback = weightedLayerPullback(typeName, input: input, linear: linear, output: output, activation: activation,
                                             weight: weight, bias: bias) { [self] x, w, dy, dx, dw, db in
            linearBackward(m: input.shape[0], k: inputFeatures, n: outputFeatures, input: x, weights: w,
                           gradOutput: dy, gradInput: dx, gradWeights: dw, gradBias: db)
        }
        return (output, pullback)
    }
}

extension Dense: FoldableLayer {
    var folded: FoldedConvolution {
        FoldedConvolution(weights: weight.value, bias: bias?.value, activation: activation, outputChannels: outputFeatures,
                          weightQuantization: weight.quantization)
    }

    func lower(_ folded: FoldedConvolution, into builder: inout PlanBuilder, input: Int, label: String) throws -> Int {
        let shape = try outputShape(for: builder.shape(of: input))
        let product = try GEMMOperator(rows: shape[0], k: inputFeatures, n: outputFeatures,
                                       weights: folded.weights, bias: folded.bias, activation: folded.activation)
        return builder.emit(product, input: input, shape: shape, label: label)
    }
}

extension Dense: DescribableLayer {
    public struct Configuration: Codable, Equatable, Sendable {
        public var inputFeatures: Int
        public var outputFeatures: Int
        public var bias: Bool
        public var activation: Activation
    }

    public static func parameterCount(of c: Configuration) -> Int {
        saturatingSum([saturatingProduct(c.inputFeatures, c.outputFeatures), c.bias ? c.outputFeatures : 0])
    }

    public var configuration: Configuration {
        Configuration(inputFeatures: inputFeatures, outputFeatures: outputFeatures, bias: bias != nil, activation: activation)
    }

    public convenience init(configuration c: Configuration, children: [(name: String, layer: any Layer)]) throws {
        try self.init(inputFeatures: c.inputFeatures, outputFeatures: c.outputFeatures, bias: c.bias, activation: c.activation)
    }
}

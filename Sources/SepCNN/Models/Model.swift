/// A named network and the per-image input shape it expects (`[height, width, channels]`).
///
/// The network is a `Sequential` for the built-in models and a `GraphNetwork` for imported ONNX graphs.
public final class Model {
    public let name: String
    public let inputShape: [Int]
    public let network: any Layer
    /// The options a zoo model was built with, every value resolved (`ModelZoo.make` fills them
    /// in); `ModelFile` saves them so loading rebuilds the same architecture.
    public let options: ModelOptions
    /// The name of each output class, by index, if known: recorded from the training data (or
    /// `--labels`), saved in model files, and printed by `predict`. Nil for models that were never
    /// told (a 1,000-class model then gets ImageNet's names, `displayClassNames`).
    public var classNames: [String]?

    /// A model of any network: nothing is checked here; ``trace(batch:)`` or the first run names a
    /// layer whose shapes do not fit `inputShape`.
    ///
    /// - Parameters:
    ///   - name: what files, summaries and errors call the model, such as `fashion-sepcnn`.
    ///   - inputShape: one image's shape, `[height, width, channels]` (NHWC without the batch): a
    ///     PyTorch model's `[C, H, W]` input becomes `[H, W, C]`.
    ///   - network: the layers, usually a ``Sequential`` or a ``GraphNetwork``, from NHWC images to
    ///     `[batch, classes]` logits for a classifier.
    ///   - options: the options a built-in model was made with (default: none); ``ModelZoo`` fills them in.
    ///   - classNames: each output class's name by index, or nil (the default) if unknown; a model file
    ///     keeps them and `sepcnn predict` prints them.
    public init(name: String, inputShape: [Int], network: any Layer, options: ModelOptions = ModelOptions(), classNames: [String]? = nil) {
        self.name = name
        self.inputShape = inputShape
        self.network = network
        self.options = options
        self.classNames = classNames
    }

    /// Runs the network on an NHWC batch `[N] + inputShape`; inference mode unless `training`.
    public func callAsFunction(_ input: Tensor, training: Bool = false) throws -> Tensor {
        try requireInputShape(input)
        return try network.forward(input, training: training)
    }

    /// Runs the network like `callAsFunction` and returns, with the output, its pullback: given the
    /// gradient of a loss with respect to the output, it adds every trainable parameter's gradient
    /// into `Parameter.gradient` and returns the gradient with respect to the input.
    /// The first call makes the process keep freed memory (`MemoryReuse.keepFreedMemory()`).
    public func valueWithPullback(_ input: Tensor, training: Bool) throws -> (output: Tensor, pullback: Layer.Pullback) {
        try requireInputShape(input)
        MemoryReuse.keepFreedMemory()
        return try network.forwardWithPullback(input, training: training)
    }

    /// Clears every parameter's gradient (sets it to nil), like PyTorch's `optimizer.zero_grad()`,
    /// so the next pullback starts from zero instead of accumulating.
    public func zeroGradients() {
        for (_, parameter) in namedParameters() { parameter.gradient = nil }
    }

    private func requireInputShape(_ input: Tensor) throws {
        guard input.rank == 4, Array(input.shape.dropFirst()) == inputShape else {
            throw SepCNNError.shapeMismatch(
                "model \(name) expects input [batch, \(inputShape.map(String.init).joined(separator: ", "))], got \(describe(input.shape))")
        }
    }

    /// Every parameter and buffer with its dotted name (`features.3.depthwise.conv.weight`).
    public func namedParameters() -> [(name: String, parameter: Parameter)] { network.namedParameters() }

    /// The elementary operations in execution order with their shapes, for a batch of `batch` images.
    ///
    /// - Parameter batch: the batch size the shapes are given for (default 1).
    /// - Throws: ``SepCNNError`` naming the first layer whose input shape does not fit it.
    public func trace(batch: Int = 1) throws -> [LayerRecord] {
        var records: [LayerRecord] = []
        _ = try network.trace(name: "", inputShape: [batch] + inputShape, into: &records)
        return records
    }
}

extension Model {
    /// The parameters and buffers (BatchNorm's running statistics included) holding a NaN or an
    /// infinity, by name: a model file saved from a diverged run loads, and callers warn about these.
    public func nonFiniteParameters() -> [String] {
        namedParameters().filter { !$0.parameter.value.isFinite }.map(\.name)
    }
}

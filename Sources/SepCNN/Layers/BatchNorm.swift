/// Batch normalisation over the last (channel) axis of NHWC or `[batch, features]` input
/// (PyTorch `BatchNorm2d`/`BatchNorm1d`, Keras `BatchNormalization`).
///
/// In training mode it normalises with the batch's mean and biased variance and updates the
/// running statistics: `running = (1 − momentum) · running + momentum · batch`, the variance with
/// the unbiased batch variance (PyTorch's convention; Keras's `momentum = 0.99` is PyTorch's 0.01).
/// In inference mode it uses the running statistics. `runningMean`/`runningVar` are buffers,
/// counted as non-trainable parameters.
public final class BatchNorm: Layer {
    public let channels: Int
    public let epsilon: Float
    public let momentum: Float
    /// γ, `[channels]`, initialised to 1.
    public let weight: Parameter
    /// β, `[channels]`, initialised to 0.
    public let bias: Parameter
    public let runningMean: Parameter
    public let runningVar: Parameter

    /// γ = 1, β = 0, running mean 0 and running variance 1, as PyTorch and Keras start.
    ///
    /// - Parameters:
    ///   - channels: C, the last axis of the input (PyTorch `num_features`).
    ///   - epsilon: added to the variance before the square root (default 1e-5, PyTorch's; Keras's is 1e-3).
    ///   - momentum: weight of each batch in the running statistics, in [0, 1] (default 0.1, PyTorch's
    ///     convention: Keras's `momentum = 0.99` is 0.01 here). 0 freezes the running statistics.
    /// - Throws: ``SepCNNError`` if `channels` is not positive, `epsilon` is not positive and finite, or
    ///   `momentum` lies outside [0, 1].
    public init(channels: Int, epsilon: Float = 1e-5, momentum: Float = 0.1) throws {
        try requirePositive(channels, "channels", "BatchNorm")
        guard epsilon > 0, epsilon.isFinite else { throw SepCNNError.invalidArgument("BatchNorm: epsilon must be positive, got \(epsilon)") }
        guard (0...1).contains(momentum) else { throw SepCNNError.invalidArgument("BatchNorm: momentum must lie in [0, 1], got \(momentum)") }
        self.channels = channels
        self.epsilon = epsilon
        self.momentum = momentum
        weight = Parameter(Tensor(uncheckedShape: [channels], repeating: 1))
        bias = Parameter(Tensor(uncheckedShape: [channels], repeating: 0))
        runningMean = Parameter(Tensor(uncheckedShape: [channels], repeating: 0), trainable: false)
        runningVar = Parameter(Tensor(uncheckedShape: [channels], repeating: 1), trainable: false)
    }

    public var ownParameters: [(name: String, parameter: Parameter)] {
        [("weight", weight), ("bias", bias), ("runningMean", runningMean), ("runningVar", runningVar)]
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard (inputShape.count == 4 || inputShape.count == 2), inputShape.last == channels else {
            throw SepCNNError.shapeMismatch(
                "BatchNorm expects \(channels) channels in the last axis of an NHWC or [batch, features] input, got \(describe(inputShape))")
        }
        return inputShape
    }

    /// The per-channel scale and shift that normalisation with `mean` and `variance` amounts to.
    func scaleAndShift(mean: [Float], variance: [Float]) -> (scale: [Float], shift: [Float]) {
        var scale = [Float](repeating: 0, count: channels), shift = scale
        for c in 0..<channels {
            scale[c] = weight.value.scalars[c] / (variance[c] + epsilon).squareRoot()
            shift[c] = bias.value.scalars[c] - mean[c] * scale[c]
        }
        return (scale, shift)
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        try normalize(input, training: training).output
    }

    /// The output and the statistics it was normalised with (the batch's in training mode, which
    /// also updates the running ones).
    private func normalize(_ input: Tensor, training: Bool) throws -> (output: Tensor, mean: [Float], variance: [Float]) {
        let training = training && !isFrozen
        let shape = try outputShape(for: input.shape)
        let rows = input.count / channels
        var mean = runningMean.value.scalars, variance = runningVar.value.scalars
        if training {
            guard rows > 1 else {
                throw SepCNNError.shapeMismatch("BatchNorm in training mode needs more than one value per channel, got input \(describe(input.shape))")
            }
            var scratch = [Double](repeating: 0, count: 2 * channels)
            input.withPointer { x in
                batchStatistics(x, rows: rows, channels: channels, mean: &mean, variance: &variance, scratch: &scratch)
            }
            updateRunningStatistics(mean: mean, variance: variance, count: rows)
        }
        let (scale, shift) = scaleAndShift(mean: mean, variance: variance)
        let output = try ScaleShiftOperator(rows: rows, scale: scale, shift: shift, activation: .linear)(input, outputShape: shape)
        return (output, mean, variance)
    }

    /// A frozen BatchNorm normalises with its running statistics and leaves them alone even in
    /// training mode, as Keras does for a layer with `trainable = False`: fine-tuning a frozen
    /// backbone on a few images must not overwrite what it learnt.
    public var isFrozen: Bool { weight.isFrozen }

    /// In training mode the pullback differentiates through the batch statistics as well
    /// (PyTorch's `BatchNorm2d.train()`); in inference mode the running statistics are constants,
    /// which is what fine-tuning with frozen BatchNorm needs. γ and β get gradients in both.
    public func forwardWithPullback(_ input: Tensor, training: Bool) throws -> (output: Tensor, pullback: Pullback) {
        let training = training && !isFrozen
        let (output, mean, variance) = try normalize(input, training: training)
        let gamma = weight.value.scalars
        return (output, { [self] gradOutput in
            try requireGradientShape(gradOutput, output.shape, typeName)
            let rows = input.count / channels
            let invStd = variance.map { 1 / ($0 + epsilon).squareRoot() }
            var sumGrad = [Float](repeating: 0, count: channels), sumCentered = sumGrad
            var scratch = [Double](repeating: 0, count: 2 * channels)
            input.withPointer { x in
                gradOutput.withPointer { dy in
                    batchNormBackwardSums(input: x, gradOutput: dy, rows: rows, channels: channels, mean: mean,
                                          sumGrad: &sumGrad, sumGradCentered: &sumCentered, scratch: &scratch)
                }
            }
            // dx = a·dy + b·(x − μ) + shift with a = γ·σ⁻¹, and in training mode (statistics depend on x)
            // b = −γ·σ⁻³·Σdy(x − μ)/N, shift = −a·Σdy/N (PyTorch's batch_norm_backward, folded).
            var a = [Float](repeating: 0, count: channels), b = a, shift = a
            let n = Float(rows)
            for c in 0..<channels {
                a[c] = gamma[c] * invStd[c]
                if training {
                    b[c] = -a[c] * invStd[c] * invStd[c] * sumCentered[c] / n
                    shift[c] = -a[c] * sumGrad[c] / n
                }
            }
            let gradInput = Tensor.computing(input.shape) { dx in
                input.withPointer { x in
                    gradOutput.withPointer { dy in
                        forEachPart(of: rows, cost: streamingCostPerElement &* channels, pool: .shared, granule: 1) { part in
                            let offset = part.lowerBound &* channels
                            batchNormInputGradient(input: x + offset, gradOutput: dy + offset, rows: part.count, channels: channels,
                                                   mean: mean, a: a, b: b, shift: shift, gradInput: dx + offset)
                        }
                    }
                }
            }
            weight.accumulateGradient(Tensor(uncheckedShape: [channels], scalars: (0..<channels).map { sumCentered[$0] * invStd[$0] }))
            bias.accumulateGradient(Tensor(uncheckedShape: [channels], scalars: sumGrad))
            return gradInput
        })
    }

    private func updateRunningStatistics(mean: [Float], variance: [Float], count: Int) {
        let unbiased = Float(count) / Float(count - 1)
        var newMean = runningMean.value, newVar = runningVar.value
        for c in 0..<channels {
            newMean[c] = (1 - momentum) * newMean[c] + momentum * mean[c]
            newVar[c] = (1 - momentum) * newVar[c] + momentum * variance[c] * unbiased
        }
        runningMean.value = newMean
        runningVar.value = newVar
    }
}

extension BatchNorm: LowerableLayer {
    /// A BatchNorm that could not be folded (the convolution before it has an activation of its
    /// own) becomes a scale and shift, with the activation after it fused.
    func lower(activation: Activation, into builder: inout PlanBuilder, input: Int, label: String) throws -> Int {
        let shape = try outputShape(for: builder.shape(of: input))
        let (scale, shift) = scaleAndShift(mean: runningMean.value.scalars, variance: runningVar.value.scalars)
        return builder.emit(try ScaleShiftOperator(rows: shape.reduce(1, *) / channels, scale: scale, shift: shift, activation: activation),
                            input: input, shape: shape, label: label)
    }

    func lower(into builder: inout PlanBuilder, input: Int, label: String) throws -> Int {
        try lower(activation: .linear, into: &builder, input: input, label: label)
    }
}

extension BatchNorm: DescribableLayer {
    public struct Configuration: Codable, Equatable, Sendable {
        public var channels: Int
        public var epsilon: Float
        public var momentum: Float
    }

    public static func parameterCount(of c: Configuration) -> Int { saturatingProduct(4, c.channels) }

    public var configuration: Configuration { Configuration(channels: channels, epsilon: epsilon, momentum: momentum) }

    public convenience init(configuration c: Configuration, children: [(name: String, layer: any Layer)]) throws {
        try self.init(channels: c.channels, epsilon: c.epsilon, momentum: c.momentum)
    }
}

import Foundation

/// Trains a classifier with softmax cross-entropy: the loop a PyTorch user writes by hand
/// (`zero_grad`, forward, loss, backward, `step`), with the learning-rate schedule, a check for
/// a loss gone NaN or infinite, and evaluation through a compiled `InferencePlan`.
public final class Trainer {
    public let model: Model
    public let configuration: TrainingConfiguration
    public let optimizer: any Optimizer
    public internal(set) var progress: TrainingProgress

    public init(model: Model, configuration: TrainingConfiguration) throws {
        try configuration.validate()
        self.model = model
        self.configuration = configuration
        optimizer = try configuration.makeOptimizer()
        progress = TrainingProgress()
    }

    /// Continues the run a checkpoint saved.
    public convenience init(resuming checkpoint: Checkpoint) throws {
        try self.init(model: checkpoint.model, configuration: checkpoint.configuration)
        try optimizer.restore(checkpoint.optimizerState, for: model.namedParameters())
        progress = checkpoint.progress
    }

    public var checkpoint: Checkpoint {
        Checkpoint(model: model, configuration: configuration, optimizerState: optimizer.state, progress: progress)
    }

    /// One update on a batch at learning rate `learningRate`. Returns the batch's mean loss and
    /// how many images it classified correctly (before the update). Throws, naming the step, if the
    /// loss is not finite: the update is not applied then.
    @discardableResult
    public func step(images: Tensor, labels: [Int], learningRate: Float) throws -> (loss: Float, correct: Int) {
        model.zeroGradients()
        // Dropout draws from a stream of its own per step, so a resumed run draws the same masks.
        let (logits, pullback) = try Random.withSeed(Self.mix(configuration.seed, 0xD20F, UInt64(progress.step))) {
            try model.valueWithPullback(images, training: true)
        }
        let loss = try Loss.crossEntropy(logits: logits, labels: labels, labelSmoothing: configuration.labelSmoothing)
        guard loss.value.isFinite else {
            throw SepCNNError.invalidArgument(
                "training diverged: the loss became \(loss.value) at step \(progress.step + 1) (epoch \(progress.epoch + 1), batch \(progress.batch + 1)); "
                    + "try a lower learning rate")
        }
        _ = try pullback(loss.gradient)
        optimizer.learningRate = learningRate
        try optimizer.step(model.namedParameters())
        progress.step += 1
        return (loss.value, zip(labels, predictedClasses(logits)).filter { $0 == $1 }.count)
    }

    /// A 64-bit hash of a few numbers (splitmix64 steps), for per-epoch and per-step seeds.
    static func mix(_ values: UInt64...) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15
        for v in values {
            h = (h ^ v) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
            h = h &* 0x94D0_49BB_1331_11EB
            h ^= h >> 29
        }
        return h
    }
}

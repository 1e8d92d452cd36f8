/// What `Trainer` minimises: a loss of the model's logits for a batch, with its gradient with
/// respect to those logits (where the pullback starts). The trainer adds nothing but the optional
/// Network Slimming penalty on BatchNorm scales (`TrainingConfiguration.batchNormL1`), which acts on
/// parameters, not logits.
public protocol TrainingObjective: AnyObject {
    /// The loss of one training batch.
    ///
    /// - Parameters:
    ///   - logits: `[N, classes]`, the model's output in training mode.
    ///   - images: the `N` images exactly as the model saw them (augmented, adapted to its input).
    ///   - labels: their classes.
    ///   - labelSmoothing: `TrainingConfiguration.labelSmoothing`, for the objective's hard-label term.
    func loss(logits: Tensor, images: Tensor, labels: [Int], labelSmoothing: Float) throws -> LossValue

    /// The loss of a batch of training images exactly as stored (no augmentation), `indices` their
    /// positions in the set ``prepare(training:adapter:)`` was given. The default is the loss above.
    func loss(logits: Tensor, images: Tensor, indices: [Int], labels: [Int], labelSmoothing: Float) throws -> LossValue

    /// Called by `Trainer.fit` before its first step when the training images reach the model as stored:
    /// an objective that derives something costly from the images alone (a teacher's logits) can
    /// compute it once per run here, on `training`'s images through `adapter`, and look it up by index.
    func prepare(training: Dataset, adapter: InputAdapter) throws

    /// Throws, before any training, if the objective cannot train `model` (a teacher that does not fit it).
    func requireFits(_ model: Model) throws

    /// What a checkpoint records so that a resumed run can prove it has the same objective; nil for
    /// one that needs no record (cross-entropy) — a checkpoint without a record resumes with cross-entropy.
    var distillation: DistillationSettings? { get }
}

extension TrainingObjective {
    public func requireFits(_ model: Model) throws {}
    public func prepare(training: Dataset, adapter: InputAdapter) throws {}
    public func loss(logits: Tensor, images: Tensor, indices: [Int], labels: [Int], labelSmoothing: Float) throws -> LossValue {
        try loss(logits: logits, images: images, labels: labels, labelSmoothing: labelSmoothing)
    }
    public var distillation: DistillationSettings? { nil }
}

/// Softmax cross-entropy against the labels (`Loss.crossEntropy`): the trainer's default objective.
public final class CrossEntropyObjective: TrainingObjective {
    public init() {}

    public func loss(logits: Tensor, images: Tensor, labels: [Int], labelSmoothing: Float) throws -> LossValue {
        try Loss.crossEntropy(logits: logits, labels: labels, labelSmoothing: labelSmoothing)
    }
}

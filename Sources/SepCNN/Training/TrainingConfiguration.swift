/// Everything that decides a training run besides the model and the data. Saved in checkpoints, so
/// a resumed run continues with exactly the same recipe.
public struct TrainingConfiguration: Codable, Equatable, Sendable {
    public enum OptimizerKind: String, Codable, Sendable, CaseIterable {
        case sgd, adam, adamw
    }

    public enum ScheduleKind: String, Codable, Sendable, CaseIterable {
        /// The same rate throughout.
        case constant
        /// The rate times 0.1 every `stepEpochs` epochs (`StepLR`).
        case step
        /// Half a cosine from the rate down to zero over the whole run (`CosineAnnealingLR`).
        case cosine
    }

    /// Passes over the training set, 1 to ``maximumEpochs`` (default 3).
    public var epochs = 3
    /// Images per update, 1 to ``maximumBatchSize`` and at most the training images (default 64);
    /// the last batch of an epoch may be smaller, as PyTorch's `DataLoader(drop_last=False)`.
    public var batchSize = 64
    /// `.sgd`, `.adam` (the default) or `.adamw`, with PyTorch's semantics (``SGD``, ``Adam``, ``AdamW``).
    public var optimizer = OptimizerKind.adam
    /// The peak learning rate, positive (default 1e-3, Adam's usual; SGD usually wants 0.01 to 0.1).
    /// Schedules and warm-up scale it per step.
    public var learningRate: Float = 1e-3
    /// SGD's momentum, in [0, 1) (default 0.9; ignored by Adam and AdamW).
    public var momentum: Float = 0.9
    /// L2 penalty for SGD and Adam, decoupled decay for AdamW; non-negative (default 0).
    public var weightDecay: Float = 0
    public var schedule = ScheduleKind.constant
    /// For `.step`: epochs between decays.
    public var stepEpochs = 1
    /// Epochs of linear warm-up from a tenth of the rate before the schedule starts.
    public var warmupEpochs = 0
    /// Label smoothing of the cross-entropy term, in [0, 1) (default 0), as PyTorch's
    /// `CrossEntropyLoss(label_smoothing=)`: the target puts this much probability evenly on all classes.
    public var labelSmoothing: Float = 0
    /// Random crop (4 pixels of zero padding) and horizontal flip of training images.
    public var augment = false
    /// Seeds initialisation, shuffling, augmentation and dropout: the same seed gives the same run.
    public var seed: UInt64 = 0
    /// Train only the final classifier (`Model.freezeBackbone()`); nil, as in checkpoints written
    /// before the option existed, means false.
    public var freezeBackbone: Bool?
    /// Network Slimming's sparsity term: λ · Σ|γ| over every BatchNorm scale is added to the loss,
    /// driving unimportant channels' γ toward 0 for `sepcnn prune --criterion bn`. Nil (checkpoints
    /// written before the option existed) means 0.
    public var batchNormL1: Float?

    /// The defaults of every setting (3 epochs of Adam at 1e-3, batch 64, constant rate, seed 0);
    /// set the properties to change them. ``validate()`` (and the ``Trainer``) check them.
    public init() {}

    /// The most epochs a run may have: far beyond any real run, and small enough that epoch and
    /// step arithmetic (epochs × batches per epoch, with at most 2³² images) cannot overflow.
    public static let maximumEpochs = 1_000_000
    /// The largest batch accepted (2²⁰ images).
    public static let maximumBatchSize = 1 << 20

    /// Throws naming the first setting out of range (with its value and the allowed range).
    public func validate() throws {
        func require(_ value: Int, _ name: String, in range: ClosedRange<Int>) throws {
            guard range.contains(value) else {
                throw SepCNNError.invalidArgument("\(name) must lie between \(range.lowerBound) and \(range.upperBound), got \(value)")
            }
        }
        try require(epochs, "epochs", in: 1...Self.maximumEpochs)
        try require(batchSize, "batch size", in: 1...Self.maximumBatchSize)
        guard learningRate > 0, learningRate.isFinite else {
            throw SepCNNError.invalidArgument("learning rate must be positive, got \(learningRate)")
        }
        guard (0..<1).contains(momentum) else { throw SepCNNError.invalidArgument("momentum must lie in [0, 1), got \(momentum)") }
        guard weightDecay >= 0, weightDecay.isFinite else {
            throw SepCNNError.invalidArgument("weight decay must be non-negative, got \(weightDecay)")
        }
        try require(stepEpochs, "step epochs", in: 1...Self.maximumEpochs)
        // Warm-up longer than the run would never reach the schedule.
        try require(warmupEpochs, "warm-up epochs", in: 0...epochs)
        if let batchNormL1 {
            guard batchNormL1 >= 0, batchNormL1.isFinite else {
                throw SepCNNError.invalidArgument("the BatchNorm L1 penalty must be non-negative, got \(batchNormL1)")
            }
        }
        guard (0..<1).contains(labelSmoothing) else {
            throw SepCNNError.invalidArgument("label smoothing must lie in [0, 1), got \(labelSmoothing)")
        }
    }

    public func makeOptimizer() throws -> any Optimizer {
        switch optimizer {
        case .sgd: return try SGD(learningRate: learningRate, momentum: momentum, weightDecay: weightDecay)
        case .adam: return try Adam(learningRate: learningRate, weightDecay: weightDecay)
        case .adamw: return try AdamW(learningRate: learningRate, weightDecay: weightDecay)
        }
    }

    /// The learning rate of every step, for `stepsPerEpoch` updates an epoch.
    /// Products saturate, so even settings `validate()` refuses cannot trap here.
    public func makeSchedule(stepsPerEpoch: Int) -> LearningRateSchedule {
        func steps(_ epochs: Int) -> Int {
            let (product, overflow) = max(epochs, 0).multipliedReportingOverflow(by: max(stepsPerEpoch, 0))
            return overflow ? Int.max : product
        }
        let warmupSteps = steps(warmupEpochs)
        let main: LearningRateSchedule
        switch schedule {
        case .constant: main = .constant(learningRate)
        case .step: main = .step(initial: learningRate, stepSize: steps(stepEpochs), gamma: 0.1)
        case .cosine: main = .cosine(initial: learningRate, minimum: 0, totalSteps: steps(epochs.subtractingReportingOverflow(warmupEpochs).overflow ? 0 : epochs - warmupEpochs))
        }
        return warmupSteps > 0 ? .warmup(steps: warmupSteps, startFactor: 0.1, then: main) : main
    }
}

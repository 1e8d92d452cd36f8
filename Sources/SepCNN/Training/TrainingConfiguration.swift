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

    public var epochs = 3
    public var batchSize = 64
    public var optimizer = OptimizerKind.adam
    public var learningRate: Float = 1e-3
    /// SGD's momentum (ignored by Adam and AdamW).
    public var momentum: Float = 0.9
    /// L2 penalty for SGD and Adam, decoupled decay for AdamW.
    public var weightDecay: Float = 0
    public var schedule = ScheduleKind.constant
    /// For `.step`: epochs between decays.
    public var stepEpochs = 1
    /// Epochs of linear warm-up from a tenth of the rate before the schedule starts.
    public var warmupEpochs = 0
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

    public init() {}

    /// Throws naming the first setting out of range.
    public func validate() throws {
        guard epochs > 0 else { throw SepCNNError.invalidArgument("epochs must be positive, got \(epochs)") }
        guard batchSize > 0 else { throw SepCNNError.invalidArgument("batch size must be positive, got \(batchSize)") }
        guard learningRate > 0, learningRate.isFinite else {
            throw SepCNNError.invalidArgument("learning rate must be positive, got \(learningRate)")
        }
        guard (0..<1).contains(momentum) else { throw SepCNNError.invalidArgument("momentum must lie in [0, 1), got \(momentum)") }
        guard weightDecay >= 0, weightDecay.isFinite else {
            throw SepCNNError.invalidArgument("weight decay must be non-negative, got \(weightDecay)")
        }
        guard stepEpochs > 0 else { throw SepCNNError.invalidArgument("step epochs must be positive, got \(stepEpochs)") }
        guard warmupEpochs >= 0 else { throw SepCNNError.invalidArgument("warm-up epochs must not be negative, got \(warmupEpochs)") }
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
    public func makeSchedule(stepsPerEpoch: Int) -> LearningRateSchedule {
        let warmupSteps = warmupEpochs * stepsPerEpoch
        let main: LearningRateSchedule
        switch schedule {
        case .constant: main = .constant(learningRate)
        case .step: main = .step(initial: learningRate, stepSize: stepEpochs * stepsPerEpoch, gamma: 0.1)
        case .cosine: main = .cosine(initial: learningRate, minimum: 0, totalSteps: (epochs - warmupEpochs) * stepsPerEpoch)
        }
        return warmupSteps > 0 ? .warmup(steps: warmupSteps, startFactor: 0.1, then: main) : main
    }
}

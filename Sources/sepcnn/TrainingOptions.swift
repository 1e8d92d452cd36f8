import ArgumentParser
import SepCNN

/// The recipe options every command that trains shares (`train`, and `prune` for fine-tuning).
struct TrainingOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Images per batch.") var batchSize = 64
    @Option(help: "Optimizer: sgd, adam or adamw.") var optimizer = "adam"
    @Option(parsing: .unconditional, help: "Learning rate.") var lr: Float = 0.001
    @Option(parsing: .unconditional, help: "SGD momentum.") var momentum: Float = 0.9
    @Option(parsing: .unconditional, help: "Weight decay (L2 for sgd/adam, decoupled for adamw).") var weightDecay: Float = 0
    @Option(help: "Learning-rate schedule: constant, step (×0.1 every --step-epochs) or cosine.") var schedule = "constant"
    @Option(parsing: .unconditional, help: "Epochs between decays of the step schedule.") var stepEpochs = 1
    @Option(parsing: .unconditional, help: "Epochs of linear warm-up.") var warmupEpochs = 0
    @Option(parsing: .unconditional, help: "Label smoothing of the cross-entropy.") var labelSmoothing: Float = 0
    @Flag(help: "Augment: random crop with 4 pixels of padding, horizontal flip.") var augment = false
    @Option(parsing: .unconditional, help: "Seed of initialisation, shuffling, augmentation and dropout.") var seed: UInt64 = 0
    @Option(name: .customLong("bn-l1"), parsing: .unconditional, help: "Network Slimming sparsity: add λ·Σ|γ| over every BatchNorm scale to the loss (then prune with --criterion bn).")
    var bnL1: Float = 0

    func validate() throws {
        guard bnL1 >= 0, bnL1.isFinite else { throw ValidationError("--bn-l1 must be non-negative, got \(bnL1)") }
        guard TrainingConfiguration.OptimizerKind(rawValue: optimizer) != nil else {
            throw ValidationError("unknown optimizer '\(optimizer)'; choose sgd, adam or adamw")
        }
        guard TrainingConfiguration.ScheduleKind(rawValue: schedule) != nil else {
            throw ValidationError("unknown schedule '\(schedule)'; choose constant, step or cosine")
        }
    }

    /// The recipe for `epochs` epochs.
    func configuration(epochs: Int) -> TrainingConfiguration {
        var c = TrainingConfiguration()
        c.epochs = epochs; c.batchSize = batchSize; c.learningRate = lr; c.momentum = momentum
        c.weightDecay = weightDecay; c.stepEpochs = stepEpochs; c.warmupEpochs = warmupEpochs
        c.labelSmoothing = labelSmoothing; c.augment = augment; c.seed = seed
        c.batchNormL1 = bnL1 > 0 ? bnL1 : nil
        c.optimizer = TrainingConfiguration.OptimizerKind(rawValue: optimizer) ?? .adam
        c.schedule = TrainingConfiguration.ScheduleKind(rawValue: schedule) ?? .constant
        return c
    }
}

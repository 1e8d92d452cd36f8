import ArgumentParser
import SepCNN

/// The recipe options every command that trains shares (`train`, and `prune` for fine-tuning).
/// Optional, so that `train --resume` can tell an option given from one left at its default.
struct TrainingOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Images per batch (default 64).") var batchSize: Int?
    @Option(help: "Optimizer: sgd, adam or adamw (default adam).") var optimizer: String?
    @Option(parsing: .unconditional, help: "Learning rate (default 0.001).") var lr: Float?
    @Option(parsing: .unconditional, help: "SGD momentum (default 0.9).") var momentum: Float?
    @Option(parsing: .unconditional, help: "Weight decay (L2 for sgd/adam, decoupled for adamw; default 0).") var weightDecay: Float?
    @Option(help: "Learning-rate schedule: constant, step (×0.1 every --step-epochs) or cosine (default constant).") var schedule: String?
    @Option(parsing: .unconditional, help: "Epochs between decays of the step schedule (default 1).") var stepEpochs: Int?
    @Option(parsing: .unconditional, help: "Epochs of linear warm-up (default 0).") var warmupEpochs: Int?
    @Option(parsing: .unconditional, help: "Label smoothing of the cross-entropy (default 0).") var labelSmoothing: Float?
    @Flag(help: "Augment: random crop with 4 pixels of padding, horizontal flip.") var augment = false
    @Option(parsing: .unconditional, help: "Seed of initialisation, shuffling, validation split, augmentation and dropout (default 0).") var seed: UInt64?
    @Option(name: .customLong("bn-l1"), parsing: .unconditional, help: "Network Slimming sparsity: add λ·Σ|γ| over every BatchNorm scale to the loss (then prune with --criterion bn).")
    var bnL1: Float?

    func validate() throws {
        if let bnL1 { guard bnL1 >= 0, bnL1.isFinite else { throw ValidationError("--bn-l1 must be non-negative, got \(bnL1)") } }
        if let optimizer, TrainingConfiguration.OptimizerKind(rawValue: optimizer) == nil {
            throw ValidationError("unknown optimizer '\(optimizer)'; choose sgd, adam or adamw")
        }
        if let schedule, TrainingConfiguration.ScheduleKind(rawValue: schedule) == nil {
            throw ValidationError("unknown schedule '\(schedule)'; choose constant, step or cosine")
        }
    }

    /// The recipe for `epochs` epochs: the options given, the defaults for the rest.
    func configuration(epochs: Int) -> TrainingConfiguration {
        var c = TrainingConfiguration()
        c.epochs = epochs
        if let batchSize { c.batchSize = batchSize }
        if let lr { c.learningRate = lr }
        if let momentum { c.momentum = momentum }
        if let weightDecay { c.weightDecay = weightDecay }
        if let stepEpochs { c.stepEpochs = stepEpochs }
        if let warmupEpochs { c.warmupEpochs = warmupEpochs }
        if let labelSmoothing { c.labelSmoothing = labelSmoothing }
        if let seed { c.seed = seed }
        c.augment = augment
        c.batchNormL1 = (bnL1 ?? 0) > 0 ? bnL1 : nil
        if let optimizer { c.optimizer = TrainingConfiguration.OptimizerKind(rawValue: optimizer) ?? .adam }
        if let schedule { c.schedule = TrainingConfiguration.ScheduleKind(rawValue: schedule) ?? .constant }
        return c
    }

    /// Each option given whose value differs from `recorded`'s, as "--flag given (the run has recorded)".
    func conflicts(with recorded: TrainingConfiguration) -> [String] {
        var found: [String] = []
        func check<T: Equatable>(_ flag: String, _ given: T?, _ saved: T) {
            if let given, given != saved { found.append("\(flag) \(given) (the run has \(saved))") }
        }
        check("--batch-size", batchSize, recorded.batchSize)
        check("--optimizer", optimizer, recorded.optimizer.rawValue)
        check("--lr", lr, recorded.learningRate)
        check("--momentum", momentum, recorded.momentum)
        check("--weight-decay", weightDecay, recorded.weightDecay)
        check("--schedule", schedule, recorded.schedule.rawValue)
        check("--step-epochs", stepEpochs, recorded.stepEpochs)
        check("--warmup-epochs", warmupEpochs, recorded.warmupEpochs)
        check("--label-smoothing", labelSmoothing, recorded.labelSmoothing)
        check("--seed", seed, recorded.seed)
        check("--bn-l1", bnL1, recorded.batchNormL1 ?? 0)
        if augment && !recorded.augment { found.append("--augment (the run trains without augmentation)") }
        return found
    }
}

/// One model of a training comparison: its size, cost, speed and what it learned.
public struct TrainedModelReport: Codable, Equatable, Sendable {
    public var model: String
    public var trainableParameters: Int
    /// Multiply-accumulates of one forward pass on one image.
    public var macs: Int
    public var trainingSeconds: Double
    public var trainingImagesPerSecond: Double
    /// Median latency of one image through the compiled inference plan.
    public var inferenceMicroseconds: Double
    public var validationAccuracy: Double
    public var history: [EpochRecord]
}

/// The experiment behind `sepcnn demo`: the same recipe, data and seed for a separable model and
/// its standard-convolution twin, so the difference in parameters, operations, speed and
/// accuracy is the architecture's alone.
public enum TrainingComparison {
    public static func run(models names: [String], training: Dataset, validation: Dataset,
                           configuration: TrainingConfiguration,
                           onBatch: (String, Trainer.BatchReport) -> Void = { _, _ in }) throws -> [TrainedModelReport] {
        try names.map { name in
            let options = ModelOptions(resolution: training.imageShape[0], classes: training.classNames.count)
            let model = try Random.withSeed(configuration.seed) { try ModelZoo.make(name, options: options) }
            let trainer = try Trainer(model: model, configuration: configuration)
            try trainer.fit(training: training, validation: validation, onBatch: { onBatch(name, $0) })
            let summary = try ModelSummary(model)
            let plan = try InferencePlan(model)
            let image = try training.subset([0]).images
            let latency = try medianMicroseconds(TimingOptions(warmup: 5, repetitions: 51)) { _ = try plan(image) }
            let history = trainer.progress.history
            return TrainedModelReport(
                model: name, trainableParameters: summary.trainableParameters, macs: summary.macs,
                trainingSeconds: trainer.progress.seconds,
                trainingImagesPerSecond: Double(training.count * configuration.epochs) / max(trainer.progress.seconds, 1e-9),
                inferenceMicroseconds: latency, validationAccuracy: history.last?.validationAccuracy ?? 0, history: history)
        }
    }
}

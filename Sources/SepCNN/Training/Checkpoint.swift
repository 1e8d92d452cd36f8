import Foundation

/// Where a training run is: enough, with the model's weights and the optimizer's state, to continue
/// it exactly (shuffling, augmentation and dropout are pure functions of the seed, epoch and step).
public struct TrainingProgress: Codable, Equatable, Sendable {
    /// Epochs completed.
    public var epoch = 0
    /// Batches completed in the epoch under way.
    public var batch = 0
    /// Optimizer updates so far.
    public var step = 0
    /// The epoch under way so far: summed loss, correct predictions and images seen.
    public var epochLossSum = 0.0
    public var epochCorrect = 0
    public var epochImages = 0
    /// Seconds of training so far, in total and in the epoch under way.
    public var seconds = 0.0
    public var epochSeconds = 0.0
    public var history: [EpochRecord] = []
    /// The loss of the run's first step, against which divergence is judged (`Trainer.divergenceFactor`).
    public var firstLoss: Double?

    /// A run that has not started: epoch 0, batch 0, step 0, no history.
    public init() {}

    /// The largest count a checkpoint may hold for steps, batches and images: beyond any real run
    /// (2⁴⁸ images is nine centuries at 10⁴ images a second), and far enough from `Int.max` that
    /// no increment can overflow.
    public static let maximumCount = 1 << 48

    /// Throws naming the first field that no run of `configuration` can have reached: a negative or
    /// absurd counter, more correct predictions than images, an epoch past the run's end, a
    /// non-finite or negative sum, or more epochs recorded than completed.
    public func validate(for configuration: TrainingConfiguration) throws {
        func require(_ value: Int, _ field: String, in range: ClosedRange<Int>) throws {
            guard range.contains(value) else {
                throw SepCNNError.invalidFile("progress.\(field) is \(value), outside \(range.lowerBound)...\(range.upperBound)")
            }
        }
        func requireFinite(_ value: Double, _ field: String) throws {
            guard value.isFinite, value >= 0 else {
                throw SepCNNError.invalidFile("progress.\(field) is \(value); it must be finite and not negative")
            }
        }
        try require(epoch, "epoch", in: 0...configuration.epochs)
        try require(batch, "batch", in: 0...Self.maximumCount)
        try require(step, "step", in: 0...Self.maximumCount)
        try require(epochImages, "epochImages", in: 0...Self.maximumCount)
        try require(epochCorrect, "epochCorrect", in: 0...epochImages)
        try requireFinite(epochLossSum, "epochLossSum")
        try requireFinite(seconds, "seconds")
        try requireFinite(epochSeconds, "epochSeconds")
        try require(history.count, "history.count", in: 0...epoch)
        if let firstLoss { try requireFinite(firstLoss, "firstLoss") }
    }
}

/// One finished epoch's figures.
public struct EpochRecord: Codable, Equatable, Sendable {
    public var epoch: Int
    public var loss: Double
    public var accuracy: Double
    public var validationLoss: Double?
    public var validationAccuracy: Double?
    public var seconds: Double
    public var imagesPerSecond: Double
}

/// A training checkpoint: one `.safetensors` file holding the model's parameters and buffers
/// (`model.<name>`, SepCNN layouts), the optimizer's buffers (`optimizer.<parameter>.<buffer>`),
/// and in `__metadata__` the architecture (as a model file has it), the configuration and the
/// progress. Written atomically: a crash while saving leaves the previous checkpoint intact.
public struct Checkpoint {
    public var model: Model
    public var configuration: TrainingConfiguration
    public var optimizerState: OptimizerState
    public var progress: TrainingProgress
    /// The run's data and destinations, so it resumes from this file alone; nil in checkpoints
    /// written by the library without one (`Trainer.run`) or before runs were recorded.
    public var run: TrainingRun?
    /// The teacher and settings of a distillation run; nil for cross-entropy (and in every
    /// checkpoint written before distillation existed, which therefore still read as they were).
    public var distillation: DistillationSettings?

    struct Training: Codable {
        var format = "sepcnn-checkpoint"
        var version = 1
        var configuration: TrainingConfiguration
        var progress: TrainingProgress
        var optimizerSteps: [String: Int]
        var run: TrainingRun?
        var distillation: DistillationSettings?
    }

    /// The `__metadata__` entry holding the configuration and progress; model files have none.
    static let trainingKey = "training"

    /// A run's state, as ``Trainer/checkpoint`` assembles it.
    ///
    /// - Parameters:
    ///   - model: the model with its current weights.
    ///   - configuration: the run's recipe.
    ///   - optimizerState: the optimizer's buffers and step counts.
    ///   - progress: where the run stands.
    ///   - run: the data and destinations, for a resumption from the file alone (default: none).
    ///   - distillation: the teacher and settings of a distillation run (default: none, cross-entropy).
    public init(model: Model, configuration: TrainingConfiguration, optimizerState: OptimizerState, progress: TrainingProgress,
                run: TrainingRun? = nil, distillation: DistillationSettings? = nil) {
        self.model = model
        self.configuration = configuration
        self.optimizerState = optimizerState
        self.progress = progress
        self.run = run
        self.distillation = distillation
    }

    /// Writes the checkpoint to `url` atomically (a temporary file beside it, synced, renamed over it).
    public func write(to url: URL) throws {
        try file().write(to: url)
    }

    /// The checkpoint file's bytes, as ``write(to:)`` writes them and ``init(serializedData:)`` reads them.
    public func serializedData() throws -> Data {
        try file().encoded()
    }

    private func file() throws -> SafetensorsFile {
        let architecture = try ModelFile.architectureMetadata(of: model)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let training = try encoder.encode(Training(configuration: configuration, progress: progress, optimizerSteps: optimizerState.steps, run: run,
                                                      distillation: distillation))
        var entries = model.namedParameters().map { SafetensorsFile.Entry(name: "model." + $0.name, tensor: $0.parameter.value) }
        entries += optimizerState.tensors.sorted { $0.key < $1.key }.map { SafetensorsFile.Entry(name: "optimizer." + $0.key, tensor: $0.value) }
        let metadata = [ModelFile.metadataKey: architecture,
                        Self.trainingKey: String(decoding: training, as: UTF8.self)]
        return SafetensorsFile(entries: entries, metadata: metadata)
    }

    /// Reads a checkpoint, rebuilding the model and checking every tensor against it.
    ///
    /// - Parameter url: a file ``write(to:)`` wrote (`sepcnn train` names it `MODEL.checkpoint.safetensors`).
    /// - Throws: ``SepCNNError`` naming the file for a missing, malformed or inconsistent checkpoint.
    public init(contentsOf url: URL) throws {
        let file = try SafetensorsFile(contentsOf: url, checking: ModelFile.checkTensorsFitArchitecture)
        do {
            try self.init(file)
        } catch let error as SepCNNError {
            throw SepCNNError(error.kind, "checkpoint \(url.path): \(error.message)")
        }
    }

    /// Reads a checkpoint from the bytes of a file ``write(to:)`` wrote, checked as ``init(contentsOf:)``
    /// checks a file (for checkpoints that are not on disk: received, embedded, fuzzed).
    ///
    /// - Parameter data: the checkpoint file's bytes.
    /// - Throws: ``SepCNNError`` for a malformed or inconsistent checkpoint.
    public init(serializedData data: Data) throws {
        try self.init(try SafetensorsFile(decoding: data, checking: ModelFile.checkTensorsFitArchitecture))
    }

    init(_ file: SafetensorsFile) throws {
        guard let architectureText = file.metadata[ModelFile.metadataKey], let trainingText = file.metadata[Self.trainingKey] else {
            throw SepCNNError.invalidFile("not a SepCNN checkpoint (its metadata has no architecture and training entries)")
        }
        let training: Training
        do {
            training = try JSONDecoder().decode(Training.self, from: Data(trainingText.utf8))
        } catch {
            throw SepCNNError.invalidFile("the checkpoint's description is not valid JSON of the expected form")
        }
        guard training.format == "sepcnn-checkpoint", training.version == 1 else {
            throw SepCNNError.invalidFile("unsupported checkpoint format '\(training.format)' version \(training.version)")
        }
        do { try training.configuration.validate() } catch let error as SepCNNError {
            throw SepCNNError.invalidFile("configuration: \(error.message)")
        }
        try training.progress.validate(for: training.configuration)
        try training.run?.validate()
        try training.distillation?.validate()
        // A parameter is updated at most once a step.
        for (name, count) in training.optimizerSteps.sorted(by: { $0.key < $1.key }) where !(0...training.progress.step).contains(count) {
            throw SepCNNError.invalidFile("optimizerSteps['\(name)'] is \(count), outside 0...\(training.progress.step) (progress.step)")
        }
        let modelFloats = file.entries.filter { $0.name.hasPrefix("model.") }.reduce(0) { $0 + $1.tensor.count }
        let model = try ModelFile.rebuildModel(from: architectureText, availableFloats: modelFloats)
        var tensors = Dictionary(file.entries.map { ($0.name, $0.tensor) }, uniquingKeysWith: { first, _ in first })
        for (name, parameter) in model.namedParameters() {
            guard let tensor = tensors.removeValue(forKey: "model." + name) else {
                throw SepCNNError.invalidFile("missing tensor 'model.\(name)'")
            }
            try within(name) { try parameter.assign(tensor) }
        }
        var optimizerTensors: [String: Tensor] = [:]
        for (name, tensor) in tensors {
            guard name.hasPrefix("optimizer.") else { throw SepCNNError.invalidFile("unexpected tensor '\(name)'") }
            optimizerTensors[String(name.dropFirst("optimizer.".count))] = tensor
        }
        let state = OptimizerState(tensors: optimizerTensors, steps: training.optimizerSteps)
        // The optimizer checks its buffers against the parameters when the trainer restores them.
        self.init(model: model, configuration: training.configuration, optimizerState: state, progress: training.progress, run: training.run,
                  distillation: training.distillation)
    }
}

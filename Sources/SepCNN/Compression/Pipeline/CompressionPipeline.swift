import Foundation

/// Pruning, distillation and int8 quantization in one pass (`sepcnn compress`): the model pruned to a
/// MAC target (if one is given), fine-tuned with distillation from a teacher, then quantized (if asked),
/// every stage's model saved and measured on the same test images (`CompressionStageResult`).
///
/// The fine-tuning is the caller's: `run` hands it the student, so a command line can train with its
/// progress bar, checkpoints and options, and code can call `Trainer` with a `DistillationObjective`.
///
/// ```swift
/// let pipeline = CompressionPipeline(targetMACs: 0.5, int8: true)
/// let stages = try pipeline.run(model, training: train, test: test, output: url) { student, _ in
///     let objective = try DistillationObjective(teacher: try Model.load(modelPath))
///     try Trainer(model: student, configuration: recipe, objective: objective).fit(training: train, validation: nil)
///     return student
/// }
/// ```
public struct CompressionPipeline: Sendable {
    /// Prune until at most this fraction, in (0, 1), of the MACs remain; nil: no pruning.
    public var targetMACs: Double?
    /// Quantize the fine-tuned model to int8.
    public var int8: Bool
    public var pruner: ChannelPruner
    public var quantizer: PostTrainingQuantizer
    /// Batches of 64 training images the pruned model's BatchNorm statistics are re-estimated on, as `sepcnn prune` does.
    public var recalibrationBatches: Int
    /// Training images the int8 activation ranges are calibrated on, as `sepcnn quantize` does by default.
    public var calibrationSamples: Int
    /// How each stage is timed: `sepcnn prune`'s warm-up and repetitions.
    public var latency: TimingOptions

    public static let defaultLatencyOptions = TimingOptions(warmup: 5, repetitions: 30)

    /// - Parameters:
    ///   - targetMACs: the share of the MACs pruning keeps, in (0, 1); nil for no pruning.
    ///   - int8: whether the last stage quantizes to int8.
    ///   - pruner: how channels are chosen (default: l1 norm, local, counts rounded to 16).
    ///   - quantizer: how activation ranges are chosen (default: min–max).
    public init(targetMACs: Double? = nil, int8: Bool = false, pruner: ChannelPruner = ChannelPruner(),
                quantizer: PostTrainingQuantizer = PostTrainingQuantizer()) {
        self.targetMACs = targetMACs
        self.int8 = int8
        self.pruner = pruner
        self.quantizer = quantizer
        recalibrationBatches = PruningData.recalibrationBatches
        calibrationSamples = 500
        latency = Self.defaultLatencyOptions
    }

    /// The stages this pipeline produces, in order.
    public var stages: [CompressionStage] {
        [.baseline] + (targetMACs == nil ? [] : [.pruned]) + [.distilled] + (int8 ? [.quantized] : [])
    }

    /// Where each stage's model goes for a final model at `output`: the last stage at `output`, the
    /// others beside it as `NAME.pruned.safetensors` and `NAME.distilled.safetensors`.
    public func file(of stage: CompressionStage, output: URL) -> URL? {
        guard stage != .baseline, stages.contains(stage) else { return nil }
        if stage == stages.last { return output }
        let name = output.lastPathComponent
        let base = name.lowercased().hasSuffix(".safetensors") ? String(name.dropLast(".safetensors".count)) : name
        return output.deletingLastPathComponent().appendingPathComponent("\(base).\(stage.rawValue).safetensors")
    }

    /// Throws if this pipeline cannot compress `model`: a MAC target out of range or out of reach,
    /// int8 for a model already quantized, or a quantized model to prune or fine-tune. Cheap (no data,
    /// no timing), so a command can refuse before reading data or training.
    public func requireApplicable(to model: Model) throws {
        if let existing = model.network.namedLayers().first(where: { $0.layer is FakeQuantize }) {
            throw SepCNNError.invalidArgument(
                "model \(model.name) is already quantized (it has FakeQuantize '\(existing.name)'); compress its float model instead")
        }
        if let targetMACs { try pruner.requireReachable(try DependencyGraph(model), target: .macs(targetMACs)) }
        guard (1...100_000).contains(recalibrationBatches) else {
            throw SepCNNError.invalidArgument("recalibrationBatches must lie between 1 and 100000, got \(recalibrationBatches)")
        }
        guard calibrationSamples > 0 else { throw SepCNNError.invalidArgument("calibration needs at least one image; asked for \(calibrationSamples)") }
    }

    /// Throws unless `data`'s labels are the model's classes: another dataset's would train and
    /// score nonsense without an error.
    public func requireFits(_ model: Model, data: Dataset, role: String) throws {
        let classes = try model.outputClassCount()
        guard data.classNames.count == classes else {
            throw SepCNNError.invalidArgument(
                "model \(model.name) scores \(classes) classes, but the \(role) images have \(data.classNames.count); compress needs labelled images of the model's classes")
        }
    }

    /// `model` pruned to the MAC target (a new model; `model` is unchanged) with its BatchNorm
    /// statistics re-estimated on `training`'s images: after removed channels, the kept ones' are stale.
    public func prune(_ model: Model, recalibratingOn training: Dataset) throws -> Model {
        guard let targetMACs else { throw SepCNNError.invalidArgument("the pipeline has no MAC target to prune to") }
        let pruned = try pruner.prune(model, target: .macs(targetMACs))
        try pruned.recalibrateBatchNorm(on: try PruningData(training, for: pruned, batches: recalibrationBatches, batchSize: 64))
        return pruned
    }

    /// `model` quantized to int8, its activation ranges calibrated on `calibrationSamples` of `training`'s images.
    public func quantize(_ model: Model, calibratingOn training: Dataset) throws -> Model {
        try quantizer.quantize(model, calibrationBatches: try CalibrationData.batches(from: training, for: model, samples: calibrationSamples))
    }

    /// Runs every stage on `baseline`: measures it, prunes it (saved and measured), hands the student
    /// (the pruned model, or `baseline` itself without a MAC target) and the file it was saved to (nil for
    /// the baseline) to `fineTune`, saves and measures the model that returns, then quantizes it (saved
    /// and measured). Pruning and calibration read `training`; every stage is scored on `test`.
    /// `onStage` sees each stage's figures as soon as they are measured. Throws before any work if the
    /// pipeline does not apply to the model or the data's classes are not the model's.
    public func run(_ baseline: Model, training: Dataset, test: Dataset, output: URL,
                    fineTune: (_ student: Model, _ savedAt: URL?) throws -> Model,
                    onStage: (CompressionStageResult) -> Void = { _ in }) throws -> [CompressionStageResult] {
        try requireApplicable(to: baseline)
        try requireFits(baseline, data: training, role: "training")
        try requireFits(baseline, data: test, role: "test")
        var results: [CompressionStageResult] = []
        func measure(_ model: Model, _ stage: CompressionStage, saving: Bool = true) throws {
            let file = saving ? file(of: stage, output: output) : nil
            if let file { try ModelFile.save(model, to: file) }
            let result = try CompressionStageResult(measuring: model, as: stage, file: file, test: test, latency: latency)
            results.append(result)
            onStage(result)
        }
        try measure(baseline, .baseline, saving: false)
        var student = baseline
        if targetMACs != nil {
            student = try prune(baseline, recalibratingOn: training)
            try measure(student, .pruned)
        }
        let distilled = try fineTune(student, targetMACs == nil ? nil : file(of: .pruned, output: output))
        try measure(distilled, .distilled)
        if int8 { try measure(try quantize(distilled, calibratingOn: training), .quantized) }
        return results
    }
}

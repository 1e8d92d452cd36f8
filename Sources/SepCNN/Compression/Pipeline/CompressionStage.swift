import Foundation

/// A stage of `CompressionPipeline`, in the order the stages run.
public enum CompressionStage: String, Sendable, Codable, CaseIterable {
    /// The model as given.
    case baseline
    /// Channels removed to the MAC target, BatchNorm statistics re-estimated; not yet trained.
    case pruned
    /// Fine-tuned with distillation from the teacher.
    case distilled
    /// Quantized to int8, evaluated and timed through the int8 plan.
    case quantized
}

/// What one stage's model measures: every stage on the same test images, timed the same way.
public struct CompressionStageResult: Sendable, Equatable, Encodable {
    public var stage: CompressionStage
    /// Where the stage's model was saved; nil for the baseline, which is not written again.
    public var file: String?
    /// Accuracy, 0…1, on `testImages` test images.
    public var testAccuracy: Double
    public var testImages: Int
    public var parameters: Int
    /// The bytes of the stage's model file (for the baseline, of the file `ModelFile.save` writes for it).
    public var fileBytes: Int
    /// Multiply-accumulates of one image.
    public var macs: Int
    /// Median time of one batch-1 inference through its compiled plan, after a warm-up (`Model.measuredLatency`).
    public var latencyMicroseconds: Double

    /// Measures `model` as stage `stage`: accuracy on `test` through its inference plan (the int8 plan
    /// for a quantized model), its size, MACs and latency. `file` is the model's saved file, or nil
    /// to measure the bytes a save would write.
    public init(measuring model: Model, as stage: CompressionStage, file: URL?, test: Dataset,
                latency: TimingOptions = CompressionPipeline.defaultLatencyOptions, pool: ThreadPool = .shared) throws {
        let evaluation = try Trainer.evaluate(model, on: test)
        let summary = try ModelSummary(model)
        self.stage = stage
        self.file = file?.path
        testAccuracy = evaluation.accuracy
        testImages = evaluation.count
        parameters = summary.totalParameters
        macs = summary.macs
        fileBytes = try file.map(Self.bytes(of:)) ?? Self.savedBytes(of: model)
        latencyMicroseconds = try model.measuredLatency(pool: pool, options: latency)
    }

    /// The figures a report draws (`ReportSection.compressionStages`).
    public var figures: CompressionStageFigures {
        CompressionStageFigures(stage: stage.rawValue, accuracy: testAccuracy, latencyMicroseconds: latencyMicroseconds,
                                parameters: parameters, fileBytes: fileBytes, macs: macs)
    }

    static func bytes(of file: URL) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
        return (attributes[.size] as? NSNumber)?.intValue ?? 0
    }

    /// The size of `model`'s model file, written to a temporary file and removed.
    static func savedBytes(of model: Model) throws -> Int {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sepcnn-size-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try ModelFile.save(model, to: url)
        return try bytes(of: url)
    }
}

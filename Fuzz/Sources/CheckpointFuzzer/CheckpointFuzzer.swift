import Foundation
import FuzzerEntry
import SepCNN

/// Every input is a candidate `training` metadata entry (configuration and progress, JSON) of an
/// otherwise valid checkpoint of a tiny model: the checkpoint is read, resumed and trained to its
/// end on four images, which must either finish or throw. Seed the corpus with the entry of a real
/// checkpoint (see README.md). Runs are capped at 4 epochs of at most 4 batches by the data and
/// the `epochs` guard below, not by the input.
///
/// The model is the smallest with every kind of state a checkpoint holds and training checks: a
/// separable block with BatchNorm (running statistics, checked for divergence), Dropout (masks
/// drawn from the step's stream) and a classifier. A built-in model made every input decode a
/// long architecture twice, which with the checkpoint's encoding was most of the time.
let setup: (file: SafetensorsFile, data: Dataset) = {
    let model = try! Random.withSeed(1) {
        Model(name: "checkpoint-fuzz", inputShape: [4, 4, 1], network: Sequential(named: [
            ("depthwise", try DepthwiseConv2D(channels: 1, kernelSize: 3, padding: .explicit(1))),
            ("pointwise", try PointwiseConv2D(inputChannels: 1, outputChannels: 2)),
            ("bn", try BatchNorm(channels: 2)), ("relu", ReLU()), ("dropout", try Dropout(rate: 0.5)),
            ("pool", GlobalAvgPool()), ("classifier", try Dense(inputFeatures: 2, outputFeatures: 2)),
        ]))
    }
    var configuration = TrainingConfiguration()
    configuration.epochs = 2
    configuration.batchSize = 4
    let trainer = try! Trainer(model: model, configuration: configuration)
    let data = try! Dataset(images: Tensor.zeros([4, 4, 4, 1]), labels: [0, 1, 0, 1], classNames: ["a", "b"])
    try! trainer.fit(training: data, validation: nil, shouldStop: { $0.step >= 1 })
    // In memory: a file written and read back per input synced to disk twice, and was left behind.
    return (try! SafetensorsFile(decoding: try! trainer.checkpoint.serializedData()), data)
}()

/// The training states already trained, hashed. Every input is read and validated, but training
/// is a pure function of the configuration, the progress and the optimizer's step counts (the
/// weights are the same in every input), so an input that decodes to a state trained before would
/// repeat that run exactly: no new coverage, no new outcome. Most of libFuzzer's mutations of JSON
/// decode alike (whitespace, a number spelled otherwise, an unknown key, the run's paths), and
/// training each again made the target run 27 inputs a second. Wall-clock fields (`seconds`,
/// `epochSeconds`) are left out of the key: training only adds to them.
nonisolated(unsafe) var trainedStates = Set<Int>()
let stateEncoder: JSONEncoder = {
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    return encoder
}()

func stateKey(_ checkpoint: Checkpoint) -> Int? {
    var progress = checkpoint.progress
    (progress.seconds, progress.epochSeconds) = (0, 0)
    guard let configuration = try? stateEncoder.encode(checkpoint.configuration), let progress = try? stateEncoder.encode(progress),
          let steps = try? stateEncoder.encode(checkpoint.optimizerState.steps) else { return nil }
    var hasher = Hasher()
    hasher.combine(configuration)
    hasher.combine(progress)
    hasher.combine(steps)
    return hasher.finalize()
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCheckpoint(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    var file = setup.file
    file.metadata["training"] = String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
    guard let bytes = try? file.encoded(), let checkpoint = try? Checkpoint(serializedData: bytes),
          checkpoint.configuration.epochs <= 4, let trainer = try? Trainer(resuming: checkpoint) else { return 0 }
    if let key = stateKey(checkpoint), !trainedStates.insert(key).inserted { return 0 }
    _ = try? trainer.fit(training: setup.data, validation: nil)
    return 0
}

import Foundation
import FuzzerEntry
import SepCNN

/// Every input is a candidate `training` metadata entry (configuration and progress, JSON) of an
/// otherwise valid checkpoint of a tiny model: the checkpoint is read, resumed and trained to its
/// end on four images, which must either finish or throw. Seed the corpus with the entry of a real
/// checkpoint (see README.md). Runs are capped at 2 epochs of 1 batch by the data, not by the input.
let setup: (file: SafetensorsFile, url: URL, data: Dataset) = {
    let model = try! Random.withSeed(1) { try ModelZoo.make("fashion-sepcnn", options: ModelOptions(resolution: 4, classes: 2)) }
    var configuration = TrainingConfiguration()
    configuration.epochs = 2
    configuration.batchSize = 4
    let trainer = try! Trainer(model: model, configuration: configuration)
    let data = try! Dataset(images: Tensor.zeros([4, 4, 4, 1]), labels: [0, 1, 0, 1], classNames: ["a", "b"])
    let url = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("sepcnn-fuzz-\(getpid()).checkpoint.safetensors")
    try! trainer.fit(training: data, validation: nil, shouldStop: { $0.step >= 1 })
    try! trainer.checkpoint.write(to: url)
    return (try! SafetensorsFile(contentsOf: url), url, data)
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCheckpoint(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    var file = setup.file
    file.metadata["training"] = String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
    guard (try? file.write(to: setup.url)) != nil,
          let checkpoint = try? Checkpoint(contentsOf: setup.url),
          checkpoint.configuration.epochs <= 4, let trainer = try? Trainer(resuming: checkpoint) else { return 0 }
    _ = try? trainer.fit(training: setup.data, validation: nil)
    return 0
}

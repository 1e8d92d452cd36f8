import Foundation
import Testing
@testable import SepCNN

/// `Trainer` on a `GraphNetwork`: the tiny ONNX import fixture (Pad, MaxPool, AveragePool, Concat,
/// squeeze-and-excitation, Sub/Div by constants, a flatten through Permute and Reshape) learns a toy task:
/// 12 SGD steps take the loss from 3.9 to 0.08 (measured), so a quarter of the start is a safe bound.
@Suite struct ImportedGraphTrainerTests {
    /// 48 random 16×16 RGB images in 4 classes; the class sets one channel's brightness.
    static func toyData(seed: UInt64, count: Int = 48) throws -> Dataset {
        var r = RandomGenerator(seed: seed)
        var scalars: [Float] = [], labels: [Int] = []
        for i in 0..<count {
            let label = i % 4
            labels.append(label)
            for _ in 0..<(16 * 16) {
                for channel in 0..<3 { scalars.append(r.normal() + (channel == label % 3 ? (label < 3 ? 1 : -1) : 0)) }
            }
        }
        return try Dataset(images: Tensor(shape: [count, 16, 16, 3], scalars: scalars), labels: labels, classNames: ["r", "g", "b", "not r"])
    }

    @Test func trainingAnImportedGraphReducesTheLoss() throws {
        let url = Fixtures.directory.appendingPathComponent("onnx/tiny_graph-opset13.onnx")
        let model = try ONNXModel(contentsOf: url).model
        #expect(model.network is GraphNetwork)
        let data = try Self.toyData(seed: 1)
        var configuration = TrainingConfiguration()
        (configuration.epochs, configuration.batchSize, configuration.optimizer, configuration.learningRate) = (2, 8, .sgd, 0.02)
        configuration.seed = 3
        let trainer = try Trainer(model: model, configuration: configuration)
        let before = try Trainer.evaluate(model, on: data).loss
        try trainer.fit(training: data, validation: data)
        let after = try #require(trainer.progress.history.last?.validationLoss)
        #expect(trainer.progress.step == 12)
        #expect(after < 0.25 * before, "loss \(before) before 12 steps, \(after) after")
    }

    /// A checkpoint of an imported graph carries its whole architecture: stopping after a few
    /// batches and resuming gives exactly the weights of the uninterrupted run.
    @Test func anImportedGraphResumesExactlyFromItsCheckpoint() throws {
        let url = Fixtures.directory.appendingPathComponent("onnx/tiny_graph-opset13.onnx")
        let data = try Self.toyData(seed: 2)
        var configuration = TrainingConfiguration()
        (configuration.epochs, configuration.batchSize, configuration.optimizer, configuration.seed) = (2, 8, .adam, 4)
        let whole = try Trainer(model: try ONNXModel(contentsOf: url).model, configuration: configuration)
        try whole.fit(training: data, validation: nil)

        let checkpoint = FileManager.default.temporaryDirectory.appendingPathComponent("sepcnn-graph-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: checkpoint) }
        let first = try Trainer(model: try ONNXModel(contentsOf: url).model, configuration: configuration)
        try first.fit(training: data, validation: nil, checkpoint: checkpoint, shouldStop: { $0.step == 4 })
        let resumed = try Trainer(resuming: try Checkpoint(contentsOf: checkpoint))
        #expect(resumed.model.network is GraphNetwork)
        try resumed.fit(training: data, validation: nil)
        for ((name, a), (_, b)) in zip(whole.model.namedParameters(), resumed.model.namedParameters()) {
            #expect(a.value == b.value, "\(name)")
        }
    }
}

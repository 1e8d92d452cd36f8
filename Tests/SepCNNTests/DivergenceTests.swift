import Foundation
import Testing
@testable import SepCNN

/// A run that diverges stops, naming what went non-finite and the step, and never saves the
/// diverged state; what was saved from one still loads, is named, and prints as valid JSON (issue 17:
/// `--lr 1e6` saved a model with 192 infinite running variances and exited 0).
@Suite struct DivergenceTests {
    /// The toy trainer after 3 steps, with the first BatchNorm running variance set to infinity:
    /// training-mode BatchNorm normalises with the batch's statistics, so the loss stays finite.
    /// With `checkpoint`, the sound state after step 3 is saved there first.
    static func poisonedTrainer(checkpoint: URL? = nil) throws -> (Trainer, String) {
        let trainer = try TrainerTests.makeTrainer()
        try trainer.fit(training: try TrainerTests.toyData(seed: 1, count: 400), validation: nil, checkpoint: checkpoint, shouldStop: { $0.step >= 3 })
        let (name, parameter) = try #require(trainer.model.namedParameters().first { $0.name.hasSuffix("runningVar") })
        var value = parameter.value
        value.scalars[0] = .infinity
        try parameter.assign(value)
        return (trainer, name)
    }

    @Test func aBatchNormStatisticGoneInfiniteStopsTrainingNamingItAndTheStep() throws {
        let (trainer, name) = try Self.poisonedTrainer()
        // 25 batches an epoch: the check every 10 steps finds it, well before the epoch's end.
        let error = #expect(throws: SepCNNError.self) { try trainer.fit(training: try TrainerTests.toyData(seed: 1, count: 400), validation: nil) }
        let message = error?.message ?? ""
        #expect(message.contains("training diverged: '\(name)' holds a NaN or an infinity after step 10 (epoch 1, batch 10)"), "\(message)")
        #expect(trainer.progress.step == 10, "found at the first check after the damage")
    }

    @Test func aDivergedRunIsNeverCheckpointed() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sepcnn-diverged-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("run.checkpoint.safetensors")
        let (trainer, name) = try Self.poisonedTrainer(checkpoint: url)
        let before = try Data(contentsOf: url)
        #expect(throws: SepCNNError.self) {
            try trainer.fit(training: try TrainerTests.toyData(seed: 1, count: 400), validation: nil, checkpoint: url, checkpointEvery: 1)
        }
        #expect(try Data(contentsOf: url) == before, "the earlier checkpoint is left as it was")
        #expect(trainer.progress.step == 4, "refused at the first save, before step 10's check: \(name)")
    }

    @Test func nonFiniteNumbersPrintAsNullInValidJSON() throws {
        struct Figures: Encodable { var loss: Double; var accuracy: Float; var history: [Double?]; var name: String }
        let text = try JSONOutput.encode(Figures(loss: .nan, accuracy: -.infinity, history: [1.5, .infinity, nil], name: "NaN"))
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(parsed["loss"] is NSNull && parsed["accuracy"] is NSNull)
        #expect((parsed["history"] as? [Any])?.count == 3 && (parsed["history"] as? [Any])?[1] is NSNull)
        #expect(parsed["name"] as? String == "NaN")
    }

    @Test func aModelFileWithNonFiniteValuesLoadsAndNamesThem() throws {
        let model = try SafetensorsValidationTests.smallModel()
        let (name, parameter) = model.namedParameters()[0]
        var value = parameter.value
        value.scalars[1] = .nan
        try parameter.assign(value)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sepcnn-nan-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try ModelFile.save(model, to: url)
        let loaded = try Model.load(contentsOf: url)
        #expect(loaded.nonFiniteParameters() == [name])
        #expect(try SafetensorsValidationTests.smallModel().nonFiniteParameters().isEmpty)
    }

    @Test func finitenessIsCheckedElementByElement() throws {
        #expect(try Tensor(shape: [3], scalars: [1, -2, .greatestFiniteMagnitude]).isFinite)
        #expect(try !Tensor(shape: [3], scalars: [1, .nan, 3]).isFinite)
        #expect(try !Tensor(shape: [2], scalars: [-.infinity, 0]).isFinite)
        #expect(try Tensor.zeros([0]).isFinite)
    }
}

import Foundation
import Testing
@testable import SepCNN

/// Training with a teacher (`DistillationObjective`): α = 0 is plain training bit for bit, the teacher
/// must fit the student, and a distillation run checkpoints and resumes exactly, with its teacher.
@Suite struct DistillationTrainingTests {
    /// The toy data's student (`TrainerTests.makeTrainer`'s model) and a standard-convolution teacher for
    /// the same 4×4 gray images and 3 classes; its weights are random, which is all the loss's mechanics need.
    static func student() throws -> Model {
        try Random.withSeed(9) { try ModelZoo.make("fashion-sepcnn", options: ModelOptions(resolution: 4, classes: 3)) }
    }

    static func teacher(seed: UInt64 = 11, classes: Int = 3, resolution: Int = 4) throws -> Model {
        try Random.withSeed(seed) { try ModelZoo.make("fashion-sepcnn-standard", options: ModelOptions(resolution: resolution, classes: classes)) }
    }

    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sepcnn-distill-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// Same seed, same data, augmentation on, 3 epochs of 5 batches (the last one partial): the weights,
    /// optimizer state and every epoch's figures of α = 0 distillation equal plain training's exactly.
    @Test func alphaZeroReproducesPlainTrainingBitForBit() throws {
        let data = try TrainerTests.toyData(seed: 1, count: 75), validation = try TrainerTests.toyData(seed: 2, count: 30)
        let plain = try Trainer(model: try Self.student(), configuration: TrainerTests.configuration())
        try plain.fit(training: data, validation: validation)
        let objective = try DistillationObjective(teacher: try Self.teacher(), temperature: 4, alpha: 0)
        let distilled = try Trainer(model: try Self.student(), configuration: TrainerTests.configuration(), objective: objective)
        try distilled.fit(training: data, validation: validation)

        #expect(plain.progress.step == 15)
        for ((name, a), (_, b)) in zip(plain.model.namedParameters(), distilled.model.namedParameters()) {
            #expect(a.value == b.value, "\(name) differs")
        }
        #expect(plain.optimizer.state == distilled.optimizer.state)
        let figures = { (h: [EpochRecord]) in h.map { [$0.loss, $0.accuracy, $0.validationLoss ?? -1, $0.validationAccuracy ?? -1] } }
        #expect(figures(plain.progress.history) == figures(distilled.progress.history))
    }

    /// With α > 0 the teacher changes the run: the same seed gives other weights.
    @Test func aTeacherWithWeightChangesTheRun() throws {
        let data = try TrainerTests.toyData(seed: 1, count: 32)
        var configuration = TrainerTests.configuration()
        configuration.epochs = 1
        let plain = try Trainer(model: try Self.student(), configuration: configuration)
        try plain.fit(training: data, validation: nil)
        let distilled = try Trainer(model: try Self.student(), configuration: configuration,
                                    objective: try DistillationObjective(teacher: try Self.teacher(), alpha: 0.9))
        try distilled.fit(training: data, validation: nil)
        #expect(zip(plain.model.namedParameters(), distilled.model.namedParameters()).contains { $0.1.value != $1.1.value })
    }

    /// The teacher's logits in training are its compiled plan's on the very batch, and do not depend
    /// on the batch size the plan was compiled for (the full batch, then the epoch's remainder).
    @Test func teacherLogitsAreThePlansForEachBatchSize() throws {
        let teacher = try Self.teacher()
        let objective = try DistillationObjective(teacher: teacher)
        let data = try TrainerTests.toyData(seed: 5, count: 7)
        let all = try objective.teacherLogits(for: data.images)
        let reference = try InferencePlan(teacher, batch: 7)(data.images)
        #expect(all == reference)
        let first = try objective.teacherLogits(for: try Tensor(shape: [3, 4, 4, 1], scalars: Array(data.images.scalars[0 ..< 48])))
        #expect(isClose(first, try Tensor(shape: [3, 3], scalars: Array(reference.scalars[0 ..< 9])), rtol: 1e-5, atol: 1e-6))
    }

    @Test func aTeacherOfOtherClassesIsRefusedNamingBoth() throws {
        let objective = try DistillationObjective(teacher: try Self.teacher(classes: 5))
        let error = #expect(throws: SepCNNError.self) {
            try Trainer(model: try Self.student(), configuration: TrainerTests.configuration(), objective: objective)
        }
        #expect(error?.message.contains("the teacher fashion-sepcnn-standard scores 5 classes but the student fashion-sepcnn scores 3") == true)
    }

    @Test func aTeacherOfAnotherInputIsRefusedNamingBoth() throws {
        let objective = try DistillationObjective(teacher: try Self.teacher(resolution: 8))
        let error = #expect(throws: SepCNNError.self) {
            try Trainer(model: try Self.student(), configuration: TrainerTests.configuration(), objective: objective)
        }
        #expect(error?.message.contains("the teacher fashion-sepcnn-standard takes images [8, 8, 1] but the student fashion-sepcnn takes [4, 4, 1]") == true)
    }

    @Test func badSettingsAreRefusedWhenTheObjectiveIsMade() throws {
        let teacher = try Self.teacher()
        #expect(throws: SepCNNError.self) { try DistillationObjective(teacher: teacher, temperature: 0) }
        #expect(throws: SepCNNError.self) { try DistillationObjective(teacher: teacher, temperature: -2) }
        #expect(throws: SepCNNError.self) { try DistillationObjective(teacher: teacher, alpha: 1.01) }
        #expect(throws: SepCNNError.self) { try DistillationObjective(teacher: teacher, alpha: -0.5) }
    }

    /// Stopped mid-epoch twice and resumed from the checkpoint file, with the teacher read again, a
    /// distillation run ends with the uninterrupted run's weights; the checkpoint records T, α and the teacher.
    /// Unaugmented, the teacher's logits are computed once for the whole set when training starts, and
    /// each step's lookup gives the loss the teacher's plan gives on the batch itself (up to the plans'
    /// rounding across batch sizes); augmented, the teacher runs on every batch.
    @Test(arguments: [false, true]) func theTeacherRunsOnceOverUnaugmentedImages(augment: Bool) throws {
        let data = try TrainerTests.toyData(seed: 1, count: 75)
        var configuration = TrainerTests.configuration()
        configuration.augment = augment
        let objective = try DistillationObjective(teacher: try Self.teacher(), temperature: 3, alpha: 0.7)
        let trainer = try Trainer(model: try Self.student(), configuration: configuration, objective: objective)
        try trainer.fit(training: data, validation: nil)
        #expect(objective.precomputedImages == (augment ? 0 : 75))
        guard !augment else { return }
        let student = try InferencePlan(trainer.model, batch: 5)
        for start in stride(from: 0, to: 75, by: 25) {
            let indices = Array(start..<(start + 5)).map { ($0 * 7) % 75 }  // any order, as shuffling gives
            let images = try Tensor(shape: [5, 4, 4, 1], scalars: indices.flatMap { Array(data.images.scalars[($0 * 16)..<(($0 + 1) * 16)]) })
            let labels = indices.map { data.labels[$0] }
            let logits = try student(images)
            let looked = try objective.loss(logits: logits, images: images, indices: indices, labels: labels, labelSmoothing: 0)
            let online = try objective.loss(logits: logits, images: images, labels: labels, labelSmoothing: 0)
            #expect(abs(looked.value - online.value) <= 1e-5 * (1 + abs(online.value)))
            #expect(isClose(looked.gradient, online.gradient, rtol: 1e-4, atol: 1e-6))
        }
    }

    @Test(arguments: [true, false]) func aResumedDistillationRunEqualsTheUninterruptedOne(augment: Bool) throws {
        let data = try TrainerTests.toyData(seed: 1), validation = try TrainerTests.toyData(seed: 2, count: 30)
        func objective() throws -> DistillationObjective {
            try DistillationObjective(teacher: try Self.teacher(), temperature: 3, alpha: 0.7, source: "/teachers/t.safetensors")
        }
        var configuration = TrainerTests.configuration()
        configuration.augment = augment
        let whole = try Trainer(model: try Self.student(), configuration: configuration, objective: try objective())
        try whole.fit(training: data, validation: validation)

        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("run.checkpoint.safetensors")
        for stop in [7, 12] {
            let trainer = stop == 7
                ? try Trainer(model: try Self.student(), configuration: configuration, objective: try objective())
                : try Trainer(resuming: try Checkpoint(contentsOf: file), objective: try objective())
            try trainer.fit(training: data, validation: validation, checkpoint: file, shouldStop: { $0.step >= stop })
        }
        let saved = try Checkpoint(contentsOf: file)
        let recorded = try #require(saved.distillation)
        #expect(recorded.temperature == 3 && recorded.alpha == 0.7 && recorded.teacherName == "fashion-sepcnn-standard")
        #expect(recorded.teacher == "/teachers/t.safetensors")
        #expect(recorded.teacherFingerprint == (try Self.teacher().fingerprint()))
        let resumed = try Trainer(resuming: saved, objective: try objective())
        try resumed.fit(training: data, validation: validation, checkpoint: file)
        for ((name, a), (_, b)) in zip(whole.model.namedParameters(), resumed.model.namedParameters()) {
            #expect(a.value == b.value, "\(name) differs after resuming")
        }
        #expect(whole.optimizer.state == resumed.optimizer.state)
    }

    /// A resumption must have the run's teacher and settings: another teacher's weights, another
    /// T or α, no teacher at all, or a teacher for a run that had none are refused, naming what differs.
    @Test func resumingWithAnotherTeacherOrWithoutOneIsRefused() throws {
        let data = try TrainerTests.toyData(seed: 1, count: 32)
        var configuration = TrainerTests.configuration()
        configuration.epochs = 1
        let trainer = try Trainer(model: try Self.student(), configuration: configuration,
                                  objective: try DistillationObjective(teacher: try Self.teacher(), temperature: 4, alpha: 0.9))
        try trainer.fit(training: data, validation: nil)
        let saved = trainer.checkpoint

        let otherWeights = try DistillationObjective(teacher: try Self.teacher(seed: 12), temperature: 4, alpha: 0.9)
        let error = #expect(throws: SepCNNError.self) { try Trainer(resuming: saved, objective: otherWeights) }
        #expect(error?.message.contains("an exact resumption needs the same teacher and settings") == true)
        let otherTemperature = try DistillationObjective(teacher: try Self.teacher(), temperature: 2, alpha: 0.9)
        #expect(throws: SepCNNError.self) { try Trainer(resuming: saved, objective: otherTemperature) }
        let none = #expect(throws: SepCNNError.self) { try Trainer(resuming: saved) }
        #expect(none?.message.contains("the checkpoint distils from the teacher fashion-sepcnn-standard") == true)

        let plain = try Trainer(model: try Self.student(), configuration: configuration)
        let invented = #expect(throws: SepCNNError.self) {
            try Trainer(resuming: plain.checkpoint, objective: try DistillationObjective(teacher: try Self.teacher()))
        }
        #expect(invented?.message.contains("trains without a teacher") == true)
    }

    /// A plain run's checkpoint holds no distillation record: its bytes are as before distillation existed.
    @Test func aPlainCheckpointRecordsNoTeacher() throws {
        let trainer = try Trainer(model: try Self.student(), configuration: TrainerTests.configuration())
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("plain.checkpoint.safetensors")
        try trainer.checkpoint.write(to: file)
        let metadata = try SafetensorsFile(contentsOf: file).metadata[Checkpoint.trainingKey] ?? ""
        #expect(!metadata.isEmpty && !metadata.contains("distillation"))
        #expect(try Checkpoint(contentsOf: file).distillation == nil)
    }

    /// A checkpoint whose distillation record could not have been written is refused, naming the field.
    @Test(arguments: [("\"temperature\":4", "\"temperature\":0", "temperature must be positive"),
                      ("\"alpha\":0.9", "\"alpha\":1.5", "alpha must lie in [0, 1]"),
                      ("\"teacherFingerprint\":\"", "\"teacherFingerprint\":\"zz", "teacherFingerprint")])
    func aCorruptDistillationRecordIsRefused(_ original: String, _ corrupt: String, _ message: String) throws {
        let trainer = try Trainer(model: try Self.student(), configuration: TrainerTests.configuration(),
                                  objective: try DistillationObjective(teacher: try Self.teacher(), temperature: 4, alpha: 0.9))
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("run.checkpoint.safetensors")
        try trainer.checkpoint.write(to: file)
        var stored = try SafetensorsFile(contentsOf: file)
        let text = try #require(stored.metadata[Checkpoint.trainingKey])
        #expect(text.contains(original), "the record holds \(original)")
        stored.metadata[Checkpoint.trainingKey] = text.replacingOccurrences(of: original, with: corrupt)
        try stored.write(to: file)
        let error = #expect(throws: SepCNNError.self) { try Checkpoint(contentsOf: file) }
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
    }

    /// The fingerprint follows the weights and architecture, not the file or the class names.
    @Test func theFingerprintFollowsTheWeights() throws {
        let teacher = try Self.teacher()
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("teacher.safetensors")
        try ModelFile.save(teacher, to: file)
        let reloaded = try Model.load(file.path)
        #expect(try reloaded.fingerprint() == teacher.fingerprint())
        try reloaded.setClassNames(["a", "b", "c"])
        #expect(try reloaded.fingerprint() == teacher.fingerprint())
        let (_, first) = try #require(reloaded.namedParameters().first)
        var nudged = first.value
        nudged.scalars[0] = nudged.scalars[0].nextUp
        first.value = nudged
        #expect(try reloaded.fingerprint() != teacher.fingerprint())
        #expect(try Self.teacher(seed: 12).fingerprint() != teacher.fingerprint())
    }
}

import Foundation
import Testing
@testable import SepCNN

/// Every number a checkpoint holds is range-checked when it is read: a negative, overflowing or
/// absurd field is refused with a message naming the field and its value, never a trap, an endless
/// run or a nonsensical figure (the robustness probe of issue 17 found all three).
@Suite struct CheckpointValidationTests {
    /// A real checkpoint of the toy run after 7 steps, as safetensors bytes.
    static let checkpointFile: SafetensorsFile = {
        let trainer = try! TrainerTests.makeTrainer()
        try! trainer.fit(training: try! TrainerTests.toyData(seed: 1), validation: nil, shouldStop: { $0.step >= 7 })
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sepcnn-checkpoint-fields-\(UUID())")
        try! FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("run.checkpoint.safetensors")
        try! trainer.checkpoint.write(to: url)
        return try! SafetensorsFile(contentsOf: url)
    }()

    /// The checkpoint with `edit` applied to its training metadata (parsed JSON).
    static func checkpoint(editing edit: (inout [String: Any]) -> Void) throws -> SafetensorsFile {
        var file = checkpointFile
        var training = try #require(try JSONSerialization.jsonObject(with: Data(file.metadata[Checkpoint.trainingKey]!.utf8)) as? [String: Any])
        edit(&training)
        file.metadata[Checkpoint.trainingKey] = String(decoding: try JSONSerialization.data(withJSONObject: training), as: UTF8.self)
        return file
    }

    /// The error reading the checkpoint with `section.field` set to `value` gives.
    static func refusal(_ section: String, _ field: String, _ value: Any) throws -> String? {
        let file = try checkpoint { training in
            var fields = training[section] as! [String: Any]
            fields[field] = value
            training[section] = fields
        }
        do {
            let checkpoint = try Checkpoint(file)
            _ = try Trainer(resuming: checkpoint)
            return nil
        } catch let error as SepCNNError {
            return error.message
        }
    }

    @Test func theUnchangedCheckpointLoads() throws {
        let checkpoint = try Checkpoint(Self.checkpointFile)
        #expect(checkpoint.progress.step == 7)
        _ = try Trainer(resuming: checkpoint)
    }

    /// The bytes a checkpoint serialises to are the file it writes, and read back checked alike.
    @Test func aCheckpointReadFromItsBytesEqualsTheFile() throws {
        let checkpoint = try Checkpoint(Self.checkpointFile)
        let bytes = try checkpoint.serializedData()
        #expect(bytes == (try Self.checkpointFile.encoded()))
        let again = try Checkpoint(serializedData: bytes)
        #expect(again.progress == checkpoint.progress && again.optimizerState == checkpoint.optimizerState)
        var corrupt = Self.checkpointFile
        corrupt.metadata[Checkpoint.trainingKey] = "{"
        #expect(throws: SepCNNError.self) { try Checkpoint(serializedData: try corrupt.encoded()) }
    }

    @Test(arguments: [
        ("step", -1), ("step", Int.max), ("epoch", -1), ("epoch", Int.min), ("epoch", 4),
        ("batch", -1), ("batch", Int.max), ("epochImages", -5), ("epochImages", Int.max),
        ("epochCorrect", -3), ("epochCorrect", Int.max - 1), ("epochCorrect", 1_000),
    ])
    func anOutOfRangeProgressCounterIsRefusedByName(field: String, value: Int) throws {
        let message = try #require(try Self.refusal("progress", field, value), "progress.\(field) = \(value) was accepted")
        #expect(message.contains("progress.\(field) is \(value), outside"), "\(message)")
    }

    @Test(arguments: [("epochLossSum", -1.0), ("seconds", -2.0)])
    func aNegativeSumIsRefusedByName(field: String, value: Double) throws {
        let message = try #require(try Self.refusal("progress", field, value))
        #expect(message.contains("progress.\(field) is \(value)"), "\(message)")
    }

    @Test(arguments: [
        ("epochs", 1 << 62, "epochs must lie between 1 and 1000000"),
        ("epochs", -1, "epochs must lie between 1 and 1000000"),
        ("warmupEpochs", 1 << 62, "warm-up epochs must lie between 0 and 3"),
        ("stepEpochs", 1 << 62, "step epochs must lie between 1 and 1000000"),
        ("batchSize", Int.max, "batch size must lie between 1 and 1048576"),
    ])
    func anOutOfRangeSettingIsRefusedByName(field: String, value: Int, expected: String) throws {
        let message = try #require(try Self.refusal("configuration", field, value))
        #expect(message.contains("configuration: \(expected), got \(value)"), "\(message)")
    }

    @Test func anOverflowingOptimizerStepCountIsRefused() throws {
        let file = try Self.checkpoint { training in
            var steps = training["optimizerSteps"] as! [String: Any]
            steps[steps.keys.sorted().first!] = Int.max
            training["optimizerSteps"] = steps
        }
        let error = #expect(throws: SepCNNError.self) { try Checkpoint(file) }
        #expect(error?.message.contains("is \(Int.max), outside 0...7 (progress.step)") == true, "\(error?.message ?? "")")
    }

    /// A checkpoint whose batch lies beyond the epoch's end for the data given is refused by `fit`.
    @Test func aBatchBeyondTheEpochIsRefusedWhenTraining() throws {
        let file = try Self.checkpoint { training in
            var progress = training["progress"] as! [String: Any]
            progress["batch"] = 50
            training["progress"] = progress
        }
        let trainer = try Trainer(resuming: try Checkpoint(file))
        let error = #expect(throws: SepCNNError.self) { try trainer.fit(training: try TrainerTests.toyData(seed: 1), validation: nil) }
        #expect(error?.message.contains("batch 50 of an epoch, but an epoch of this training set has 5 batches") == true)
    }

    @Test func aCheckpointIntervalThatIsNotPositiveIsRefused() throws {
        let trainer = try TrainerTests.makeTrainer()
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sepcnn-never-\(UUID()).safetensors")
        let error = #expect(throws: SepCNNError.self) {
            try trainer.fit(training: try TrainerTests.toyData(seed: 1), validation: nil, checkpoint: url, checkpointEvery: 0)
        }
        #expect(error?.message == "checkpointEvery must be positive, got 0")
    }

    /// The schedule's step arithmetic saturates instead of trapping, whatever the settings
    /// (the command line's `--warmup-epochs`, `--step-epochs` and `--epochs` reach it).
    @Test func extremeSchedulesDoNotTrap() throws {
        for schedule in TrainingConfiguration.ScheduleKind.allCases {
            var c = TrainingConfiguration()
            c.schedule = schedule
            c.epochs = 1 << 62
            c.warmupEpochs = 1 << 62
            c.stepEpochs = 1 << 62
            #expect(throws: SepCNNError.self) { try c.validate() }
            let rate = c.makeSchedule(stepsPerEpoch: 1 << 40).learningRate(at: Int.max)
            #expect(rate.isFinite)
            c.warmupEpochs = Int.min
            _ = c.makeSchedule(stepsPerEpoch: 1 << 40).learningRate(at: 12)
        }
    }
}

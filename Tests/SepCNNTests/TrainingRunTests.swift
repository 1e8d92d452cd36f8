import Foundation
import Testing
@testable import SepCNN
#if canImport(Glibc)
import Glibc
#endif

/// A run that survives interruption and remembers itself: signals, the run record, extension,
/// divergence by growth, class names in model files, destinations checked up front.
@Suite(.serialized) struct TrainingRunTests {
    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sepcnn-run-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    static func record(_ directory: URL) -> TrainingRun {
        TrainingRun(dataset: "fashion-mnist", dataDirectory: "/data/fashion", validationSplit: 0.2,
                    output: directory.appendingPathComponent("m.safetensors").path,
                    checkpoint: directory.appendingPathComponent("m.checkpoint.safetensors").path,
                    checkpointEvery: 3, log: directory.appendingPathComponent("m.jsonl").path, logEvery: 2,
                    saveBest: true, earlyStopping: 4, test: true, classNames: ["circle", "square", "line"])
    }

    /// SIGINT in the middle of an epoch stops after that batch with a checkpoint; resuming from it
    /// ends with exactly the weights of the run that was never interrupted.
    @Test func aSigintMidEpochSavesAndTheResumedRunEqualsTheUninterruptedOne() throws {
        let data = try TrainerTests.toyData(seed: 1), validation = try TrainerTests.toyData(seed: 2, count: 30)
        let whole = try TrainerTests.makeTrainer()
        try whole.fit(training: data, validation: validation)

        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("run.checkpoint.safetensors")
        let interrupted = try TrainerTests.makeTrainer()
        interrupted.run = Self.record(directory)
        Interruption.install()
        defer { Interruption.uninstall() }
        try interrupted.fit(training: data, validation: validation, checkpoint: file, shouldStop: { _ in Interruption.requested != nil },
                            onBatch: { report in
                                guard report.epoch == 1 && report.batch == 2 else { return }
                                // As a terminal sends it: to the process, handled on whichever thread takes it.
                                kill(getpid(), SIGINT)
                                let deadline = ContinuousClock.now + .seconds(10)
                                while Interruption.requested == nil && ContinuousClock.now < deadline { usleep(1000) }
                            })
        #expect(Interruption.requested == SIGINT)
        #expect(Interruption.exitStatus(for: SIGINT) == 130 && Interruption.exitStatus(for: SIGTERM) == 143)
        #expect(interrupted.progress.epoch == 1 && interrupted.progress.batch == 2)
        Interruption.uninstall()

        let saved = try Checkpoint(contentsOf: file)
        #expect(saved.progress == interrupted.progress)
        #expect(saved.run == Self.record(directory))
        let resumed = try Trainer(resuming: saved)
        #expect(resumed.run == Self.record(directory))
        try resumed.fit(training: data, validation: validation, checkpoint: file)
        for ((name, a), (_, b)) in zip(whole.model.namedParameters(), resumed.model.namedParameters()) {
            #expect(a.value == b.value, "\(name) differs after the interrupted run resumed")
        }
        #expect(whole.progress.history.map(\.validationAccuracy) == resumed.progress.history.map(\.validationAccuracy))
    }

    @Test func aLargerEpochCountExtendsAFinishedRunAndASmallerOneIsRefused() throws {
        let data = try TrainerTests.toyData(seed: 1)
        let trainer = try TrainerTests.makeTrainer()
        try trainer.fit(training: data, validation: nil)
        #expect(trainer.progress.epoch == 3)
        let extended = try Trainer(resuming: trainer.checkpoint, epochs: 5)
        try extended.fit(training: data, validation: nil)
        #expect(extended.progress.epoch == 5 && extended.progress.history.count == 5)
        #expect(extended.progress.step == 25)
        let error = #expect(throws: SepCNNError.self) { try Trainer(resuming: extended.checkpoint, epochs: 4) }
        #expect(error?.message.contains("cannot shorten") == true)
    }

    @Test func theBestEpochAndEarlyStoppingFollowValidationAccuracy() {
        var progress = TrainingProgress()
        func epoch(_ n: Int, _ accuracy: Double?) -> EpochRecord {
            EpochRecord(epoch: n, loss: 1, accuracy: 0.5, validationLoss: accuracy.map { _ in 1 }, validationAccuracy: accuracy, seconds: 1, imagesPerSecond: 1)
        }
        #expect(progress.bestEpoch == nil && !progress.shouldStopEarly(patience: 1))
        progress.history = [epoch(1, 0.5), epoch(2, 0.7), epoch(3, 0.7), epoch(4, 0.6)]
        #expect(progress.bestEpoch?.epoch == 2)  // the first of equals
        #expect(progress.shouldStopEarly(patience: 2) && !progress.shouldStopEarly(patience: 3))
        progress.history.append(epoch(5, 0.9))
        #expect(progress.bestEpoch?.epoch == 5 && !progress.shouldStopEarly(patience: 1))
    }

    @Test func aLossGrownAMillionfoldCountsAsDivergence() throws {
        let trainer = try TrainerTests.makeTrainer()
        let data = try TrainerTests.toyData(seed: 1)
        let images = try data.subset(Array(0..<16))
        try trainer.step(images: images.images, labels: images.labels, learningRate: 1e-3)
        let first = try #require(trainer.progress.firstLoss)
        trainer.progress.firstLoss = first * 1e-7  // as if the run had started a million times lower
        let error = #expect(throws: SepCNNError.self) { try trainer.step(images: images.images, labels: images.labels, learningRate: 1e-3) }
        #expect(error?.message.contains("diverged") == true && error?.message.contains("grew") == true)
    }

    @Test func aBatchLargerThanTheTrainingSetIsRefused() throws {
        var configuration = TrainerTests.configuration()
        configuration.batchSize = 81
        let model = try Random.withSeed(9) { try ModelZoo.make("fashion-sepcnn", options: ModelOptions(resolution: 4, classes: 3)) }
        let trainer = try Trainer(model: model, configuration: configuration)
        let error = #expect(throws: SepCNNError.self) { try trainer.fit(training: try TrainerTests.toyData(seed: 1), validation: nil) }
        #expect(error?.message.contains("batch size 81 is larger than the 80 training images") == true)
    }

    @Test func classNamesSurviveSavingLoadingPruningAndCheckpoints() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = try ModelZoo.make("fashion-sepcnn")
        #expect(model.classNames == nil && model.displayClassNames() == nil)
        let names = Dataset.fashionMNISTClassNames
        try model.setClassNames(names)
        let file = directory.appendingPathComponent("named.safetensors")
        try ModelFile.save(model, to: file)
        #expect(try Model.load(file.path).classNames == names)
        let trainer = try Trainer(model: model, configuration: TrainingConfiguration())
        let checkpoint = directory.appendingPathComponent("named.checkpoint.safetensors")
        try trainer.checkpoint.write(to: checkpoint)
        #expect(try Checkpoint(contentsOf: checkpoint).model.classNames == names)
        #expect(throws: SepCNNError.self) { try model.setClassNames(["too", "few"]) }
        #expect(throws: SepCNNError.self) { try model.setClassNames(names.dropLast() + [""]) }
        // A description naming more classes than the network has does not load.
        var description = try model.modelDescription()
        description.classNames = names + ["extra"]
        #expect(throws: SepCNNError.self) { try Model(description) }
        // A 1,000-class model without names prints ImageNet's.
        let imageNet = try ModelZoo.make("mobilenet-v2", options: ModelOptions(resolution: 32))
        #expect(imageNet.displayClassNames()?[281] == "tabby" && imageNet.displayClassNames()?.count == 1000)
    }

    @Test func destinationsAreCheckedBeforeAnyWork() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try AtomicFile.requireWritable(directory.appendingPathComponent("fine.safetensors"), role: "model")
        let missing = #expect(throws: SepCNNError.self) {
            try AtomicFile.requireWritable(directory.appendingPathComponent("no/such/folder/m.safetensors"), role: "model")
        }
        #expect(missing?.message.contains("does not exist") == true)
        let folder = #expect(throws: SepCNNError.self) { try AtomicFile.requireWritable(directory, role: "checkpoint") }
        #expect(folder?.message.contains("is a folder") == true)
    }

    @Test func aCorruptRunRecordIsRefused() throws {
        var run = Self.record(FileManager.default.temporaryDirectory)
        try run.validate()
        run.validationSplit = 1.5
        #expect(throws: SepCNNError.self) { try run.validate() }
        run.validationSplit = 0.1
        run.checkpointEvery = 0
        #expect(throws: SepCNNError.self) { try run.validate() }
        run.checkpointEvery = 3
        try run.validate()
        run.classNames = ["circle", "circle", "line"]
        #expect(throws: SepCNNError.self) { try run.validate() }
        run.classNames = []
        #expect(throws: SepCNNError.self) { try run.validate() }
    }
}

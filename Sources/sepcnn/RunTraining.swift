import ArgumentParser
import Foundation
import SepCNN

extension TrainingRunOptions {
    /// Trains (or resumes) the run these options and `command` describe, printing as `sepcnn train` does.
    /// Returns the model saved to the run's output.
    @discardableResult
    func runTraining(_ command: TrainingCommand) throws -> Model {
        flushOutputByLine()
        let console = Console(json: json)
        if let threads { try ThreadPool.setSharedThreads(threads) }
        let trainer: Trainer, source: DataSource, loaded: Dataset?
        if let resume {
            (trainer, source) = try resumedTrainer(from: resume, command: command, console: console)
            loaded = nil
        } else {
            (trainer, source, loaded) = try newTrainer(command: command, console: console)
        }
        guard let run = trainer.run else { throw ValidationError("internal: the run has no record") }
        // Every destination is checked before the first batch, not found unwritable hours later.
        try AtomicFile.requireWritable(URL(fileURLWithPath: run.output), role: "model")
        try AtomicFile.requireWritable(URL(fileURLWithPath: run.checkpoint), role: "checkpoint")
        if let path = run.log { try AtomicFile.requireWritable(URL(fileURLWithPath: path), role: "log") }
        if let report { try AtomicFile.requireWritable(URL(fileURLWithPath: report), role: "report") }
        // The report draws the log's batch records (kept in memory without --log).
        let log = run.log == nil && report == nil ? nil : try TrainingLog(
            path: run.log, remembering: report != nil, resumingAt: resume == nil ? nil : (trainer.progress.epoch + 1, trainer.progress.batch))

        let splits = try source.trainingSplits(validationSplit: run.validationSplit, seed: trainer.configuration.seed, of: loaded)
        // A new built-in model is sized for the data; the one resize it can need, up to its
        // smallest resolution, `makeModel` has explained already.
        let sizedForTheData = resume == nil && resolution == nil && Self.namesBuiltInModel(command.model ?? "")
        if !sizedForTheData, let note = adaptationNote(images: splits.train.imageShape, model: trainer.model) { printNote(note) }
        if let names = run.classNames {
            try trainer.model.setClassNames(names)
        } else if trainer.model.classNames == nil, (try? trainer.model.outputClassCount()) == splits.train.classNames.count {
            try trainer.model.setClassNames(splits.train.classNames)
        }
        let summary = try ModelSummary(trainer.model)
        // A finished run (resumed without a larger --epochs) trains nothing; it only saves its model again.
        if trainer.progress.epoch < trainer.configuration.epochs {
            console.say("training \(trainer.model.name) (\(grouped(summary.trainableParameters)) parameters) on \(grouped(splits.train.count)) images (\(source.description)), "
                        + (splits.validation.map { "validating on \(grouped($0.count)) held out of them" } ?? "without validation")
                        + "; \(ThreadPool.shared.threads) thread(s)")
        }
        if let teacher = trainer.objective as? DistillationObjective, trainer.progress.epoch < trainer.configuration.epochs {
            console.say("taught by \(teacher.teacher.name) (\(grouped(try ModelSummary(teacher.teacher).trainableParameters)) parameters"
                        + (teacher.distillation?.teacher.map { ", from \($0)" } ?? "") + ") at temperature \(teacher.temperature), alpha \(teacher.alpha)")
        }
        console.say("the model goes to \(run.output), checkpoints to \(run.checkpoint)")

        Interruption.install()
        defer { Interruption.uninstall() }
        let bar = ProgressLine(total: 0)
        let epochs = trainer.configuration.epochs
        var logFailure: Error?
        let secondsBefore = trainer.progress.seconds
        try trainer.fit(
            training: splits.train, validation: splits.validation, checkpoint: URL(fileURLWithPath: run.checkpoint),
            checkpointEvery: run.checkpointEvery,
            shouldStop: { progress in
                Interruption.requested != nil || logFailure != nil
                    || (run.earlyStopping.map { progress.batch == 0 && progress.shouldStopEarly(patience: $0) } ?? false)
            },
            onBatch: { r in
                let width = 24, filled = width * r.batch / r.batches
                bar.show("epoch \(r.epoch + 1)/\(epochs) [\(String(repeating: "#", count: filled))\(String(repeating: ".", count: width - filled))] "
                         + "\(r.batch)/\(r.batches)  loss \(format(r.loss, 4))  accuracy \(format(r.accuracy * 100, 1)) %  \(Int(r.imagesPerSecond)) images/s")
                guard let log, r.batch % run.logEvery == 0 else { return }
                do {
                    try log.write(TrainingLog.Batch(epoch: r.epoch + 1, batch: r.batch, batches: r.batches, loss: r.loss, accuracy: r.accuracy,
                                                    learningRate: r.learningRate, imagesPerSecond: r.imagesPerSecond, elapsed: trainer.progress.seconds))
                } catch { logFailure = error }
            },
            onEpoch: { e in
                bar.finish()
                let validation = e.validationAccuracy.map { "  validation loss \(format(e.validationLoss ?? 0, 4))  validation accuracy \(format($0 * 100, 2)) %" } ?? ""
                console.say("epoch \(e.epoch)/\(epochs)  loss \(format(e.loss, 4))  accuracy \(format(e.accuracy * 100, 2)) %\(validation)  "
                            + "\(Int(e.imagesPerSecond)) images/s  \(format(e.seconds, 1)) s")
                do {
                    try log?.write(TrainingLog.Epoch(epoch: e.epoch, loss: e.loss, accuracy: e.accuracy, validationLoss: e.validationLoss,
                                                     validationAccuracy: e.validationAccuracy, imagesPerSecond: e.imagesPerSecond,
                                                     seconds: e.seconds, elapsed: trainer.progress.seconds))
                    // The best epoch so far is the output as soon as it is known: nothing better is lost.
                    if run.saveBest, trainer.progress.bestEpoch?.epoch == e.epoch {
                        try ModelFile.save(trainer.model, to: URL(fileURLWithPath: run.output))
                        console.say("saved \(run.output) (the best epoch so far)")
                    }
                } catch { logFailure = error }
            })
        bar.finish()
        if let logFailure { throw logFailure }
        let distillation = trainer.objective as? DistillationObjective, teacherSeconds = distillation?.teacherSeconds
        if let teacherSeconds, trainer.progress.seconds > secondsBefore {
            let trained = trainer.progress.seconds - secondsBefore
            let once = (distillation?.precomputedImages ?? 0) > 0
            console.say("the teacher took \(format(teacherSeconds, 1)) s of the \(format(trained, 1)) s of training (\(format(100 * teacherSeconds / trained, 1)) %)"
                        + (once ? ", scoring the unaugmented training images once" : ""))
        }
        if let signalNumber = Interruption.requested {
            console.say("interrupted: checkpoint saved to \(run.checkpoint) at epoch \(trainer.progress.epoch + 1), batch \(trainer.progress.batch); "
                        + "the model was not saved to \(run.output). Resume with:\n  \(command.resumeCommand(run.checkpoint))")
            throw ExitCode(Interruption.exitStatus(for: signalNumber))
        }
        if let patience = run.earlyStopping, trainer.progress.epoch < epochs, trainer.progress.shouldStopEarly(patience: patience) {
            console.say("stopped early: \(patience) epoch(s) without a better validation accuracy than epoch \(trainer.progress.bestEpoch?.epoch ?? 0)")
        }
        if run.saveBest, let best = trainer.progress.bestEpoch {
            console.say("kept epoch \(best.epoch) (validation accuracy \(format((best.validationAccuracy ?? 0) * 100, 2)) %) in \(run.output)")
        } else {
            try ModelFile.save(trainer.model, to: URL(fileURLWithPath: run.output))
            console.say("saved \(run.output)")
        }
        let final = run.saveBest ? try Model.load(run.output) : trainer.model
        var testResult: TestResult?, testEvaluation: (result: Evaluation, data: String)?
        if run.test {
            let testSet = try source.test()
            let evaluation = try Trainer.evaluate(final, on: testSet)
            testResult = TestResult(images: evaluation.count, accuracy: evaluation.accuracy, loss: evaluation.loss)
            testEvaluation = (evaluation, "\(grouped(evaluation.count)) test images (\(source.description))")
            console.say("test: accuracy \(format(evaluation.accuracy * 100, 2)) %, loss \(format(evaluation.loss, 4)) on \(grouped(evaluation.count)) test images")
        }
        if let report {
            try writeTrainingReport(to: report, title: "\(command.name == "distill" ? "Distilling" : "Training") \(trainer.model.name)", command: command.name, trainer: trainer,
                                    run: run, splits: splits, source: source, batches: log?.batches ?? [], test: testEvaluation)
            console.say("report written to \(report)")
        }
        if json && command.printsJSON {
            print(try encodeJSON(Report(model: trainer.model.name, output: run.output, checkpoint: run.checkpoint,
                                        epochs: trainer.progress.history, bestEpoch: trainer.progress.bestEpoch?.epoch, test: testResult,
                                        distillation: trainer.objective.distillation, teacherSeconds: teacherSeconds)))
        }
        return final
    }

    struct TestResult: Encodable { var images: Int; var accuracy: Double; var loss: Double }
    struct Report: Encodable {
        var model: String, output: String, checkpoint: String
        var epochs: [EpochRecord]
        var bestEpoch: Int?
        var test: TestResult?
        /// `sepcnn distill` only: the teacher and its settings.
        var distillation: DistillationSettings?
        /// Seconds of this session's training the teacher's forward passes took.
        var teacherSeconds: Double?
    }

    /// A fresh run from the options, with its record, and the training images when they had to be
    /// read to size the model (an image folder is read later, at the model's size).
    func newTrainer(command: TrainingCommand, console: Console) throws -> (Trainer, DataSource, Dataset?) {
        var source = try data.source()
        if test && !source.hasSeparateTestSplit {
            throw ValidationError("--test needs a test split apart from the training images: give --data a folder with train/ and test/ folders")
        }
        let configuration = newConfiguration
        try configuration.validate()
        // An image folder is read at the model's size; other datasets say what size they are.
        let loaded = source.name == .folder ? nil : try source.train()
        let classNames = try loaded?.classNames ?? source.folderClassNames()
        let labelNames = try labels.map {
            try LabelsFile.read(contentsOf: URL(fileURLWithPath: $0), classCount: classNames.count, of: "the dataset (\(source.description))")
        }
        let images = loaded?.imageShape
        let network = try Random.withSeed(configuration.seed) { try makeModel(command.model ?? "", images: images, classes: classNames.count, console: console) }
        source.imageShape = network.inputShape
        let objective: any TrainingObjective = try command.teacher?.objective(for: network) ?? CrossEntropyObjective()
        let trainer = try Trainer(model: network, configuration: configuration, objective: objective)
        let outputPath = absolute(output ?? Self.defaultOutput(for: network.name))
        if output == nil { console.say("no --output given: the model will be saved to \(outputPath)") }
        trainer.run = TrainingRun(
            dataset: source.name.rawValue, dataDirectory: source.directory,
            validationSplit: validationSplit ?? Self.defaultValidationSplit, output: outputPath,
            checkpoint: absolute(checkpoint ?? Self.checkpointPath(outputPath)),
            checkpointEvery: checkpointEvery ?? Self.defaultCheckpointEvery, log: log.map(absolute),
            logEvery: logEvery ?? Self.defaultLogEvery, saveBest: saveBest, earlyStopping: earlyStopping, test: test,
            classNames: labelNames)
        return (trainer, source, loaded)
    }

    /// The run a checkpoint holds, continued; options given must agree with it (a larger
    /// --epochs extends it, and a log, --labels, --test, --save-best or --early-stopping may be added).
    func resumedTrainer(from path: String, command: TrainingCommand, console: Console) throws -> (Trainer, DataSource) {
        let saved = try Checkpoint(contentsOf: URL(fileURLWithPath: path))
        if let model = command.model, try Self.modelName(model) != saved.model.name {
            throw ValidationError("the checkpoint \(path) trains \(saved.model.name), not \(model); give --resume alone to continue it")
        }
        // Each command resumes its own kind of run: `train` would drop the teacher, `distill` invent one.
        switch (saved.distillation, command.teacher) {
        case let (recorded?, nil):
            throw ValidationError("the checkpoint \(path) is a distillation run (teacher \(recorded.teacherName)); continue it with:\n  sepcnn distill --resume \(shellQuoted(path))")
        case (nil, .some):
            throw ValidationError("the checkpoint \(path) trains without a teacher; continue it with:\n  sepcnn train --resume \(shellQuoted(path))")
        default: break
        }
        var conflicts = training.conflicts(with: saved.configuration)
        if let recorded = saved.distillation, let teacher = command.teacher { conflicts += teacher.conflicts(with: recorded) }
        let labelNames = try labels.map {
            try LabelsFile.read(contentsOf: URL(fileURLWithPath: $0), classCount: try saved.model.outputClassCount(), of: "model \(saved.model.name)")
        }
        var run: TrainingRun
        let source: DataSource
        if let recorded = saved.run {
            run = recorded
            guard let name = DatasetName(rawValue: recorded.dataset) else {
                throw ValidationError("the checkpoint \(path) trains on dataset '\(recorded.dataset)', which this SepCNN does not read")
            }
            source = DataSource(name: name, directory: recorded.dataDirectory, imageShape: saved.model.inputShape)
            if data.dataset != nil || data.data != nil, let given = try? data.source(), given != source {
                conflicts.append("--dataset/--data \(given.description) (the run trains on \(source.description))")
            }
            func check<T: Equatable>(_ flag: String, _ given: T?, _ recorded: T?) {
                if let given, let recorded, given != recorded { conflicts.append("\(flag) \(given) (the run has \(recorded))") }
            }
            check("--validation-split", validationSplit, recorded.validationSplit)
            check("--output", output.map(absolute), recorded.output)
            check("--checkpoint", checkpoint.map(absolute), recorded.checkpoint)
            check("--checkpoint-every", checkpointEvery, recorded.checkpointEvery)
            check("--log", log.map(absolute), recorded.log)
            check("--log-every", logEvery, recorded.logEvery)
            check("--early-stopping", earlyStopping, recorded.earlyStopping)
            if let labels, let labelNames, let names = recorded.classNames, labelNames != names,
               let line = labelNames.indices.first(where: { labelNames[$0] != names[$0] }) {
                conflicts.append("--labels \(labels) (line \(line + 1) is '\(labelNames[line])'; the run names that class '\(names[line])')")
            }
            if let labelNames { run.classNames = labelNames }
            if let path = log { run.log = absolute(path) }
            if let earlyStopping { run.earlyStopping = earlyStopping }
            run.saveBest = run.saveBest || saveBest
            run.test = run.test || test
        } else {
            // A checkpoint from before runs were recorded: the options say what they always said.
            var given = try data.source()
            given.imageShape = saved.model.inputShape
            source = given
            let outputPath = absolute(output ?? Self.defaultOutput(for: saved.model.name))
            run = TrainingRun(dataset: source.name.rawValue, dataDirectory: source.directory,
                              validationSplit: validationSplit ?? Self.defaultValidationSplit, output: outputPath,
                              checkpoint: absolute(checkpoint ?? path), checkpointEvery: checkpointEvery ?? Self.defaultCheckpointEvery,
                              log: log.map(absolute), logEvery: logEvery ?? Self.defaultLogEvery, saveBest: saveBest,
                              earlyStopping: earlyStopping, test: test, classNames: labelNames)
        }
        guard conflicts.isEmpty else {
            throw ValidationError("these options contradict the run recorded in \(path): \(conflicts.joined(separator: "; ")). "
                                  + "Give --resume alone to continue it as it was (a larger --epochs extends it).")
        }
        var objective: (any TrainingObjective)?
        if let recorded = saved.distillation, let teacher = command.teacher { objective = try teacher.objective(resuming: recorded, student: saved.model) }
        let trainer = try Trainer(resuming: saved, epochs: epochs ?? saved.configuration.epochs, objective: objective)
        trainer.run = run
        if trainer.progress.epoch >= trainer.configuration.epochs {
            console.say("the run has finished its \(trainer.configuration.epochs) epochs; give a larger --epochs to extend it")
        } else {
            console.say("resuming \(trainer.model.name) at epoch \(trainer.progress.epoch + 1), batch \(trainer.progress.batch + 1)"
                        + (trainer.configuration.epochs != saved.configuration.epochs ? ", extended to \(trainer.configuration.epochs) epochs" : ""))
        }
        return (trainer, source)
    }

    /// A zoo model for the data unless the options fix it — images' size (at least the model's
    /// smallest resolution; the model's own for an image folder, `images` nil) and channels, the
    /// data's classes — or a model from a file to fine-tune, at `--resolution` and with `--classes` if given.
    func makeModel(_ name: String, images: [Int]?, classes classCount: Int, console: Console) throws -> Model {
        var loaded: Model
        if Self.namesBuiltInModel(name), let name = ModelZoo.canonicalName(name) {
            let minimum = ModelZoo.minimumResolution(of: name)
            let side = resolution ?? images.map { max($0[0], minimum) } ?? ModelZoo.defaultResolution(of: name) ?? minimum
            if resolution == nil, let images, images[0] < minimum {
                printNote("note: \(name) needs images of at least \(minimum)×\(minimum); the \(images[0])×\(images[1]) images are resized up to that")
            }
            loaded = try ModelZoo.make(name, options: ModelOptions(widthMultiplier: widthMultiplier, resolution: side,
                                                                   classes: classes ?? classCount, inputChannels: images?[2]))
        } else {
            guard widthMultiplier == nil else { throw ValidationError("--width-multiplier applies to built-in models, not to the file \(name)") }
            loaded = try loadModelWarningIfNotFinite(name)
            if let resolution { loaded = try loaded.withInputShape([resolution, resolution, loaded.inputShape[2]]) }
            if let classes { loaded = try loaded.replacingClassifier(classes: classes) }
        }
        return loaded
    }

    /// The name a model argument gives its model (a built-in name, or a file's own).
    static func modelName(_ argument: String) throws -> String {
        namesBuiltInModel(argument) ? ModelZoo.canonicalName(argument) ?? argument : try Model.load(argument).name
    }

    /// Whether `argument` means a built-in model: a file of that name comes first, as in `Model.load`.
    static func namesBuiltInModel(_ argument: String) -> Bool {
        ModelZoo.canonicalName(argument) != nil && !FileManager.default.fileExists(atPath: argument)
    }

    static func checkpointPath(_ output: String) -> String {
        let base = output.lowercased().hasSuffix(".safetensors") ? String(output.dropLast(".safetensors".count)) : output
        return base + ".checkpoint.safetensors"
    }

    /// `NAME.safetensors` in the current folder, or `NAME-2.safetensors` and so on if that (or its
    /// checkpoint) exists: a default never overwrites anything.
    static func defaultOutput(for modelName: String) -> String {
        let base = String(modelName.map { $0 == "/" || $0 == " " ? "-" : $0 })
        for n in 1... {
            let candidate = n == 1 ? "\(base).safetensors" : "\(base)-\(n).safetensors"
            if !FileManager.default.fileExists(atPath: candidate) && !FileManager.default.fileExists(atPath: checkpointPath(candidate)) {
                return candidate
            }
        }
        fatalError("unreachable")
    }
}

/// The command that trains, and what only it adds: `train` (`--model`) or `distill` (`--student`, and a teacher).
struct TrainingCommand {
    var name: String
    var modelFlag: String
    var model: String?
    var teacher: TeacherArguments? = nil
    /// Whether `--json` prints the run's record (`compress` prints its stages instead).
    var printsJSON = true
    /// The command line that continues the run from its checkpoint (`compress` repeats its own).
    var resume: ((String) -> String)? = nil

    func resumeCommand(_ checkpoint: String) -> String {
        resume?(checkpoint) ?? "sepcnn \(name) --resume \(shellQuoted(checkpoint))"
    }
}

func absolute(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }

/// `path` as a shell word: quoted only when it needs to be.
func shellQuoted(_ path: String) -> String {
    path.allSatisfy({ $0.isLetter || $0.isNumber || "/._-+=:,@".contains($0) }) ? path : "'" + path.replacingOccurrences(of: "'", with: "'\\''") + "'"
}

func format(_ value: Double, _ decimals: Int) -> String { String(format: "%.\(decimals)f", value) }

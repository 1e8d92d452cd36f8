import ArgumentParser
import Foundation
import SepCNN

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a model on a dataset with cross-entropy, validating after every epoch.",
        usage: "sepcnn train --model <model> [<options>]\n       sepcnn train --resume <checkpoint> [--epochs <n>]",
        discussion: """
            Each epoch is checked on --validation-split of the training images (10 % by default, \
            chosen by --seed); the test split is read only by 'sepcnn eval', or by --test here, \
            reported apart and never used for a choice. The model is saved as a .safetensors \
            file that PyTorch can load and that every sepcnn command takes as a model (without \
            --output, to MODEL.safetensors in the current folder; the name is printed).

            A checkpoint holding the whole run (model, optimizer, progress, data, settings, \
            destinations) is written atomically after every epoch, every --checkpoint-every \
            batches, and on Ctrl-C or SIGTERM, which finish the batch under way, save, print the \
            command that resumes and exit with 130 or 143; a second Ctrl-C quits at once. \
            --resume CHECKPOINT alone continues the run exactly as if never stopped; a larger \
            --epochs extends it; an option that contradicts the recorded run is an error.

            Fine-tuning: --model also takes a model file, checkpoint or ONNX file. --classes N \
            puts a fresh classifier of N outputs in place of the last Dense (Gemm) layer, \
            --freeze-backbone trains only that classifier, and images of another size (or gray \
            images for a colour model) are resized batch by batch. Your own images: --dataset \
            folder --data DIR, one subfolder of PNG, PPM or JPEG files per class. The model file \
            records the class names (the dataset's, the folders', or --labels FILE's: one name per \
            line in class order, as Keras's labels.txt), and 'sepcnn predict' prints them.

              sepcnn train --model fashion-sepcnn --epochs 3 --output fashion.safetensors
              sepcnn train --resume fashion.checkpoint.safetensors --epochs 5
              sepcnn train --model mobilenet-v2 --dataset folder --data photos --epochs 5
              sepcnn train --model fashion-sepcnn --labels labels.txt --epochs 5
            """)

    @Option(help: "A built-in model (its resolution and classes default to the dataset's), or a model file, checkpoint or ONNX file to fine-tune.")
    var model: String?

    @Option(parsing: .unconditional, help: "Width multiplier α (MobileNets and fashion-sepcnn).")
    var widthMultiplier: Double?

    @Option(parsing: .unconditional, help: "Input height and width of the model (default: a built-in model takes the dataset's, a file keeps its own); images are resized to it.")
    var resolution: Int?

    @Option(parsing: .unconditional, help: "Replace the model's final classifier (its last Dense/Gemm layer) with a fresh one of this many classes.")
    var classes: Int?

    @Flag(help: "Train only the final classifier; the rest of the model, BatchNorm statistics included, stays as it is.")
    var freezeBackbone = false

    @OptionGroup var data: DataArguments
    @Option(help: "Class names for the model file, one per line in class order, in place of the dataset's (or folders') names.")
    var labels: String?

    @Option(parsing: .unconditional, help: "Share of the training images held out to check each epoch, stratified by class (default 0.1; 0 for none).")
    var validationSplit: Double?
    @Flag(help: "Also score the final model on the dataset's test split (reported apart, never used for choices).")
    var test = false

    @Option(parsing: .unconditional, help: "Epochs to train (default 3); with --resume, the run's new total.") var epochs: Int?
    @OptionGroup var training: TrainingOptions
    @Option(parsing: .unconditional, help: "Threads (default: SEPCNN_THREADS, else the number of cores).") var threads: Int?

    @Option(help: "Where to save the trained model (.safetensors; default MODEL.safetensors here).") var output: String?
    @Option(help: "Checkpoint file (default: next to the output, NAME.checkpoint.safetensors).") var checkpoint: String?
    @Option(parsing: .unconditional, help: "Also checkpoint every this many batches (default 200).") var checkpointEvery: Int?
    @Option(help: "Continue the run saved in this checkpoint, with its data, settings and destinations.") var resume: String?
    @Option(help: "Append one JSON record per epoch, and every --log-every batches, to this file (JSON lines).") var log: String?
    @Option(parsing: .unconditional, help: "Batches between log records (default 50).") var logEvery: Int?
    @Flag(help: "Save the epoch with the best validation accuracy as the model, not the last one.") var saveBest = false
    @Option(parsing: .unconditional, help: "Stop after this many epochs without a better validation accuracy.") var earlyStopping: Int?
    @Flag(help: "Print the results as JSON on standard output (progress goes to standard error).") var json = false

    static let defaultEpochs = 3, defaultCheckpointEvery = 200, defaultLogEvery = 50, defaultValidationSplit = 0.1

    func validate() throws {
        if model == nil && resume == nil { throw ValidationError("give --model NAME (or --resume CHECKPOINT)") }
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must lie between 1 and 256") }
        func require(_ value: Int?, _ flag: String, in range: ClosedRange<Int>) throws {
            guard let value else { return }
            guard range.contains(value) else { throw ValidationError("\(flag) must lie between \(range.lowerBound) and \(range.upperBound), got \(value)") }
        }
        try require(checkpointEvery, "--checkpoint-every", in: 1...TrainingProgress.maximumCount)
        try require(logEvery, "--log-every", in: 1...TrainingProgress.maximumCount)
        try require(earlyStopping, "--early-stopping", in: 1...TrainingConfiguration.maximumEpochs)
        try require(resolution, "--resolution", in: 1...4096)
        try require(classes, "--classes", in: 1...1_000_000)
        try require(epochs, "--epochs", in: 1...TrainingConfiguration.maximumEpochs)
        try require(training.batchSize, "--batch-size", in: 1...TrainingConfiguration.maximumBatchSize)
        try require(training.stepEpochs, "--step-epochs", in: 1...TrainingConfiguration.maximumEpochs)
        try require(training.warmupEpochs, "--warmup-epochs", in: 0...(epochs ?? Self.defaultEpochs))
        if let validationSplit, !(validationSplit >= 0 && validationSplit < 1) {
            throw ValidationError("--validation-split must lie in [0, 1), got \(validationSplit)")
        }
        if (saveBest || earlyStopping != nil) && validationSplit == 0 {
            throw ValidationError("--save-best and --early-stopping choose by validation accuracy; they need a --validation-split above 0")
        }
        if resume == nil {
            do { try newConfiguration.validate() } catch let error as SepCNNError { throw ValidationError(error.message) }
        } else if resolution != nil || classes != nil || freezeBackbone || widthMultiplier != nil {
            throw ValidationError("--resume continues a run as it was set up; --resolution, --classes, --freeze-backbone and --width-multiplier apply to new runs")
        }
    }

    var newConfiguration: TrainingConfiguration {
        var c = training.configuration(epochs: epochs ?? Self.defaultEpochs)
        c.freezeBackbone = freezeBackbone ? true : nil
        return c
    }

    func run() throws {
        flushOutputByLine()
        let console = Console(json: json)
        if let threads { try ThreadPool.setSharedThreads(threads) }
        let trainer: Trainer, source: DataSource, loaded: Dataset?
        if let resume {
            (trainer, source) = try resumedTrainer(from: resume, console: console)
            loaded = nil
        } else {
            (trainer, source, loaded) = try newTrainer(console: console)
        }
        guard let run = trainer.run else { throw ValidationError("internal: the run has no record") }
        // Every destination is checked before the first batch, not found unwritable hours later.
        try AtomicFile.requireWritable(URL(fileURLWithPath: run.output), role: "model")
        try AtomicFile.requireWritable(URL(fileURLWithPath: run.checkpoint), role: "checkpoint")
        if let path = run.log { try AtomicFile.requireWritable(URL(fileURLWithPath: path), role: "log") }
        let log = try run.log.map { try TrainingLog(path: $0) }

        let splits = try source.trainingSplits(validationSplit: run.validationSplit, seed: trainer.configuration.seed, of: loaded)
        // A new built-in model is sized for the data; the one resize it can need, up to its
        // smallest resolution, `makeModel` has explained already.
        let sizedForTheData = resume == nil && resolution == nil && Self.namesBuiltInModel(model ?? "")
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
        console.say("the model goes to \(run.output), checkpoints to \(run.checkpoint)")

        Interruption.install()
        defer { Interruption.uninstall() }
        let bar = ProgressLine(total: 0)
        let epochs = trainer.configuration.epochs
        var logFailure: Error?
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
        if let signalNumber = Interruption.requested {
            console.say("interrupted: checkpoint saved to \(run.checkpoint) at epoch \(trainer.progress.epoch + 1), batch \(trainer.progress.batch); "
                        + "the model was not saved to \(run.output). Resume with:\n  sepcnn train --resume \(shellQuoted(run.checkpoint))")
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
        var testResult: TestResult?
        if run.test {
            let final = run.saveBest ? try Model.load(run.output) : trainer.model
            let testSet = try source.test()
            let evaluation = try Trainer.evaluate(final, on: testSet)
            testResult = TestResult(images: evaluation.count, accuracy: evaluation.accuracy, loss: evaluation.loss)
            console.say("test: accuracy \(format(evaluation.accuracy * 100, 2)) %, loss \(format(evaluation.loss, 4)) on \(grouped(evaluation.count)) test images")
        }
        if json {
            print(try encodeJSON(Report(model: trainer.model.name, output: run.output, checkpoint: run.checkpoint,
                                        epochs: trainer.progress.history, bestEpoch: trainer.progress.bestEpoch?.epoch, test: testResult)))
        }
    }

    struct TestResult: Encodable { var images: Int; var accuracy: Double; var loss: Double }
    struct Report: Encodable {
        var model: String, output: String, checkpoint: String
        var epochs: [EpochRecord]
        var bestEpoch: Int?
        var test: TestResult?
    }

    /// A fresh run from the options, with its record, and the training images when they had to be
    /// read to size the model (an image folder is read later, at the model's size).
    func newTrainer(console: Console) throws -> (Trainer, DataSource, Dataset?) {
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
        let network = try Random.withSeed(configuration.seed) { try makeModel(model ?? "", images: images, classes: classNames.count, console: console) }
        source.imageShape = network.inputShape
        let trainer = try Trainer(model: network, configuration: configuration)
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
    func resumedTrainer(from path: String, console: Console) throws -> (Trainer, DataSource) {
        let saved = try Checkpoint(contentsOf: URL(fileURLWithPath: path))
        if let model, try Self.modelName(model) != saved.model.name {
            throw ValidationError("the checkpoint \(path) trains \(saved.model.name), not \(model); give --resume alone to continue it")
        }
        var conflicts = training.conflicts(with: saved.configuration)
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
        let trainer = try Trainer(resuming: saved, epochs: epochs ?? saved.configuration.epochs)
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

func absolute(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }

/// `path` as a shell word: quoted only when it needs to be.
func shellQuoted(_ path: String) -> String {
    path.allSatisfy({ $0.isLetter || $0.isNumber || "/._-+=:,@".contains($0) }) ? path : "'" + path.replacingOccurrences(of: "'", with: "'\\''") + "'"
}

func format(_ value: Double, _ decimals: Int) -> String { String(format: "%.\(decimals)f", value) }

import ArgumentParser
import Foundation
import SepCNN

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a model on a dataset with cross-entropy, validating after every epoch.",
        discussion: """
            Example (the full Fashion-MNIST from Debian's dataset-fashion-mnist package):
              sepcnn train --model fashion-sepcnn --dataset fashion-mnist --data /usr/share/datasets/fashion-mnist \\
                --epochs 3 --batch-size 64 --optimizer adam --lr 0.001 --seed 0 --output fashion.safetensors
            The model is saved as a .safetensors file that PyTorch can load and that every sepcnn command takes in
            place of a model name. A checkpoint (weights, optimizer state, progress) is written atomically after every
            epoch and every --checkpoint-every batches; --resume continues from it exactly as if never stopped.
            Fine-tuning: --model also takes a model file, checkpoint or ONNX file. --classes N puts a fresh classifier
            of N outputs in place of the last Dense (Gemm) layer, --freeze-backbone trains only that classifier, and
            images of another size (or gray images for a colour model) are resized batch by batch:
              sepcnn train --model mobilenet_v2.onnx --classes 10 --freeze-backbone --resolution 64 --epochs 1
            """)

    @Option(help: "A built-in model (its resolution and classes default to the dataset's), or a model file, checkpoint or ONNX file to fine-tune.")
    var model: String?

    @Option(help: "Width multiplier α (MobileNets only).")
    var widthMultiplier: Double?

    @Option(help: "Input height and width of the model (default: a built-in model takes the dataset's, a file keeps its own); images are resized to it.")
    var resolution: Int?

    @Option(help: "Replace the model's final classifier (its last Dense/Gemm layer) with a fresh one of this many classes.")
    var classes: Int?

    @Flag(help: "Train only the final classifier; the rest of the model, BatchNorm statistics included, stays as it is.")
    var freezeBackbone = false

    @OptionGroup var data: DataArguments

    @Option(help: "Epochs to train.") var epochs = 3
    @OptionGroup var training: TrainingOptions
    @Option(help: "Threads (default: SEPCNN_THREADS, else the number of cores).") var threads: Int?

    @Option(help: "Where to save the trained model (.safetensors).") var output: String?
    @Option(help: "Checkpoint file (default: next to --output, NAME.checkpoint.safetensors).") var checkpoint: String?
    @Option(help: "Also checkpoint every this many batches.") var checkpointEvery = 200
    @Option(help: "Continue the run saved in this checkpoint (its model, data order and settings).") var resume: String?
    @Flag(help: "Print the per-epoch results as JSON at the end.") var json = false

    func validate() throws {
        if model == nil && resume == nil { throw ValidationError("give --model NAME (or --resume CHECKPOINT)") }
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must lie between 1 and 256") }
        guard checkpointEvery > 0 else { throw ValidationError("--checkpoint-every must be positive") }
        if let resolution, !(1...4096).contains(resolution) { throw ValidationError("--resolution must lie between 1 and 4096") }
        if let classes, !(1...1_000_000).contains(classes) { throw ValidationError("--classes must lie between 1 and 1000000") }
        if resume == nil {
            // The flags by name first; the configuration's own check covers the rest.
            func require(_ value: Int, _ flag: String, in range: ClosedRange<Int>) throws {
                guard range.contains(value) else { throw ValidationError("\(flag) must lie between \(range.lowerBound) and \(range.upperBound), got \(value)") }
            }
            try require(epochs, "--epochs", in: 1...TrainingConfiguration.maximumEpochs)
            try require(training.batchSize, "--batch-size", in: 1...TrainingConfiguration.maximumBatchSize)
            try require(training.stepEpochs, "--step-epochs", in: 1...TrainingConfiguration.maximumEpochs)
            try require(training.warmupEpochs, "--warmup-epochs", in: 0...epochs)
            do { try trainingConfiguration.validate() } catch let error as SepCNNError { throw ValidationError(error.message) }
        }
        if resume != nil && (resolution != nil || classes != nil || freezeBackbone || widthMultiplier != nil) {
            throw ValidationError("--resume continues a run as it was set up; --resolution, --classes, --freeze-backbone and --width-multiplier apply to new runs")
        }
    }

    var trainingConfiguration: TrainingConfiguration {
        var c = training.configuration(epochs: epochs)
        c.freezeBackbone = freezeBackbone ? true : nil
        return c
    }

    func run() throws {
        flushOutputByLine()
        if let threads { try ThreadPool.setSharedThreads(threads) }
        let splits = try data.trainingSplits()
        let trainer: Trainer
        if let resume {
            let checkpoint = try Checkpoint(contentsOf: URL(fileURLWithPath: resume))
            if let model, try Self.modelName(model) != checkpoint.model.name {
                throw ValidationError("the checkpoint \(resume) trains \(checkpoint.model.name), not \(model); give --resume alone to continue it")
            }
            trainer = try Trainer(resuming: checkpoint)
            print("resuming \(trainer.model.name) at epoch \(trainer.progress.epoch + 1), batch \(trainer.progress.batch + 1)")
        } else {
            try trainingConfiguration.validate()
            let network = try Random.withSeed(training.seed) { try makeModel(model ?? "", for: splits.train) }
            trainer = try Trainer(model: network, configuration: trainingConfiguration)
        }
        if let note = adaptationNote(images: splits.train.imageShape, model: trainer.model) { printNote(note) }
        let checkpointURL = (checkpoint ?? resume ?? output.map(Self.checkpointPath)).map { URL(fileURLWithPath: $0) }
        let summary = try ModelSummary(trainer.model)
        print("training \(trainer.model.name) (\(grouped(summary.trainableParameters)) parameters) on \(splits.train.count) images, "
              + "checking on \(splits.validation.count) \(splits.validationName) images; \(ThreadPool.shared.threads) thread(s)")
        let bar = ProgressLine(total: 0)
        try trainer.fit(
            training: splits.train, validation: splits.validation, checkpoint: checkpointURL, checkpointEvery: checkpointEvery,
            onBatch: { r in
                let width = 24, filled = width * r.batch / r.batches
                bar.show("epoch \(r.epoch + 1)/\(trainer.configuration.epochs) [\(String(repeating: "#", count: filled))\(String(repeating: ".", count: width - filled))] "
                         + "\(r.batch)/\(r.batches)  loss \(format(r.loss, 4))  accuracy \(format(r.accuracy * 100, 1)) %  \(Int(r.imagesPerSecond)) images/s")
            },
            onEpoch: { e in
                bar.finish()
                print("epoch \(e.epoch)/\(trainer.configuration.epochs)  loss \(format(e.loss, 4))  accuracy \(format(e.accuracy * 100, 2)) %  "
                      + "\(splits.validationName) loss \(format(e.validationLoss ?? 0, 4))  \(splits.validationName) accuracy \(format((e.validationAccuracy ?? 0) * 100, 2)) %  "
                      + "\(Int(e.imagesPerSecond)) images/s  \(format(e.seconds, 1)) s")
            })
        if let output {
            try ModelFile.save(trainer.model, to: URL(fileURLWithPath: output))
            print("saved \(output)")
        }
        if json { print(try encodeJSON(trainer.progress.history)) }
    }

    /// A zoo model sized for the data (at least its smallest resolution) unless the options fix it,
    /// or a model from a file to fine-tune, at `--resolution` and with `--classes` if given.
    func makeModel(_ name: String, for data: Dataset) throws -> Model {
        var loaded: Model
        if Self.namesBuiltInModel(name) {
            let side = resolution ?? max(data.imageShape[0], ModelZoo.minimumResolution(of: name))
            loaded = try ModelZoo.make(name, options: ModelOptions(widthMultiplier: widthMultiplier, resolution: side,
                                                                   classes: classes ?? data.classNames.count))
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
        namesBuiltInModel(argument) ? argument : try Model.load(argument).name
    }

    /// Whether `argument` means a built-in model: a file of that name comes first, as in `Model.load`.
    static func namesBuiltInModel(_ argument: String) -> Bool {
        ModelZoo.names.contains(argument) && !FileManager.default.fileExists(atPath: argument)
    }

    static func checkpointPath(_ output: String) -> String {
        let base = output.lowercased().hasSuffix(".safetensors") ? String(output.dropLast(".safetensors".count)) : output
        return base + ".checkpoint.safetensors"
    }
}

func format(_ value: Double, _ decimals: Int) -> String { String(format: "%.\(decimals)f", value) }

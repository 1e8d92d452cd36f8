import ArgumentParser
import SepCNN

/// Every option of `sepcnn train` but `--model`: the data, the recipe (`TrainingOptions`), the
/// destinations, checkpoints and resumption, logs and output. `sepcnn distill` takes the same group,
/// so both commands train, checkpoint, resume and report alike (`runTraining` in RunTraining.swift).
struct TrainingRunOptions: ParsableArguments {
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
    @Option(help: "Write an HTML page of the finished run to this file: loss and accuracy curves, the final confusion matrix, per-layer parameters, MACs and measured time.")
    var report: String?
    @Flag(help: "Save the epoch with the best validation accuracy as the model, not the last one.") var saveBest = false
    @Option(parsing: .unconditional, help: "Stop after this many epochs without a better validation accuracy.") var earlyStopping: Int?
    @Flag(help: "Print the results as JSON on standard output (progress goes to standard error).") var json = false


    static let defaultEpochs = 3, defaultCheckpointEvery = 200, defaultLogEvery = 50, defaultValidationSplit = 0.1

    func validate() throws {
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
}

/// What a run was asked to do beyond the recipe (`TrainingConfiguration`): which data, where the
/// results go, and when to stop early. Checkpoints store it, so a run resumes from its checkpoint
/// alone, with the same data and the same destinations, as `sepcnn train --resume` does.
public struct TrainingRun: Codable, Equatable, Sendable {
    /// The dataset's name as the CLI takes it (`fashion-mnist`, `mnist`, `cifar10`, `folder`).
    public var dataset: String
    /// The dataset's directory, absolute; nil for the embedded Fashion-MNIST images.
    public var dataDirectory: String?
    /// The share of the training images held out for per-epoch validation (`validationSplit`).
    public var validationSplit: Double
    /// Where the trained model is saved, absolute.
    public var output: String
    /// Where the checkpoint is written, absolute.
    public var checkpoint: String
    /// A checkpoint every this many batches, besides the one after every epoch.
    public var checkpointEvery: Int
    /// A JSON-lines log of the run (absolute), and a record every `logEvery` batches besides each epoch's.
    public var log: String?
    public var logEvery: Int
    /// Keep the epoch with the best validation accuracy as the output, not the last.
    public var saveBest: Bool
    /// Stop after this many epochs without a better validation accuracy.
    public var earlyStopping: Int?
    /// Score the final model on the dataset's test split too (never used for any choice).
    public var test: Bool
    /// The class names the model file records in place of the dataset's (`sepcnn train --labels`),
    /// kept here rather than as the labels file's path so the run resumes without that file.
    public var classNames: [String]?

    /// - Parameters:
    ///   - dataset: the dataset's name as the CLI takes it.
    ///   - dataDirectory: its directory, absolute; nil for the embedded images.
    ///   - validationSplit: the share of training images held out for validation, in [0, 1).
    ///   - output: where the trained model is saved, absolute.
    ///   - checkpoint: where checkpoints are written, absolute.
    ///   - checkpointEvery: batches between checkpoints within an epoch.
    ///   - log: a JSON-lines log to append to, absolute, or nil (the default) for none.
    ///   - logEvery: batches between log records (default 50).
    ///   - saveBest: keep the epoch with the best validation accuracy (default false: the last).
    ///   - earlyStopping: stop after this many epochs without improvement, or nil (the default) for never.
    ///   - test: also score the final model on the test split (default false).
    ///   - classNames: class names in place of the dataset's, or nil (the default).
    public init(dataset: String, dataDirectory: String?, validationSplit: Double, output: String, checkpoint: String,
                checkpointEvery: Int, log: String? = nil, logEvery: Int = 50, saveBest: Bool = false,
                earlyStopping: Int? = nil, test: Bool = false, classNames: [String]? = nil) {
        self.dataset = dataset
        self.dataDirectory = dataDirectory
        self.validationSplit = validationSplit
        self.output = output
        self.checkpoint = checkpoint
        self.checkpointEvery = checkpointEvery
        self.log = log
        self.logEvery = logEvery
        self.saveBest = saveBest
        self.earlyStopping = earlyStopping
        self.test = test
        self.classNames = classNames
    }

    /// Throws naming the first setting a checkpoint could not have been written with.
    public func validate() throws {
        guard validationSplit >= 0, validationSplit < 1 else {
            throw SepCNNError.invalidFile("run.validationSplit is \(validationSplit), outside [0, 1)")
        }
        guard (1...TrainingProgress.maximumCount).contains(checkpointEvery), (1...TrainingProgress.maximumCount).contains(logEvery) else {
            throw SepCNNError.invalidFile("run.checkpointEvery or run.logEvery is not a positive count")
        }
        if let earlyStopping, !(1...TrainingConfiguration.maximumEpochs).contains(earlyStopping) {
            throw SepCNNError.invalidFile("run.earlyStopping is \(earlyStopping), outside 1...\(TrainingConfiguration.maximumEpochs)")
        }
        for path in [output, checkpoint] + (log.map { [$0] } ?? []) where path.isEmpty || path.utf8.count > 4096 {
            throw SepCNNError.invalidFile("run holds an empty or overlong path")
        }
        if let classNames {
            guard !classNames.isEmpty, Set(classNames).count == classNames.count,
                  classNames.allSatisfy({ !$0.isEmpty && $0.count <= Model.maximumClassNameLength }) else {
                throw SepCNNError.invalidFile("run.classNames holds no names, an empty or overlong name, or a name twice")
            }
        }
    }
}

extension TrainingProgress {
    /// The finished epoch with the best validation accuracy so far (the first of equals), if any
    /// epoch was validated.
    public var bestEpoch: EpochRecord? {
        history.filter { $0.validationAccuracy != nil }.max { ($0.validationAccuracy!, -$0.epoch) < ($1.validationAccuracy!, -$1.epoch) }
    }

    /// Whether `patience` epochs have passed since the best validation accuracy (Keras's
    /// `EarlyStopping(patience=)` on `val_accuracy`).
    public func shouldStopEarly(patience: Int) -> Bool {
        guard let best = bestEpoch, let last = history.last else { return false }
        return last.epoch - best.epoch >= patience
    }
}

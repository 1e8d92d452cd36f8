import Foundation

/// Trains a classifier on an objective — softmax cross-entropy unless told otherwise, or
/// distillation from a teacher (`DistillationObjective`): the loop a PyTorch user writes by hand
/// (`zero_grad`, forward, loss, backward, `step`), with the learning-rate schedule, a check for
/// a loss gone NaN or infinite, and evaluation through a compiled `InferencePlan`.
public final class Trainer {
    public let model: Model
    public let configuration: TrainingConfiguration
    /// What each step minimises; validation always reports plain cross-entropy.
    public let objective: any TrainingObjective
    public let optimizer: any Optimizer
    public internal(set) var progress: TrainingProgress
    /// Saved in every checkpoint, so the run resumes from the checkpoint alone (`sepcnn train`
    /// sets it; the trainer itself only carries it).
    public var run: TrainingRun?

    /// - Parameters:
    ///   - model: the model to train, in place.
    ///   - configuration: the recipe; checked here.
    ///   - objective: what to minimise (default: cross-entropy against the labels); checked against
    ///     `model` here, so a teacher that does not fit is refused before any training.
    /// - Throws: ``SepCNNError`` for a setting out of range (``TrainingConfiguration/validate()``), an
    ///   objective that does not fit the model, or `freezeBackbone` on a model without a ``Dense``
    ///   classifier.
    public init(model: Model, configuration: TrainingConfiguration, objective: any TrainingObjective = CrossEntropyObjective()) throws {
        try configuration.validate()
        try objective.requireFits(model)
        self.model = model
        self.configuration = configuration
        self.objective = objective
        if configuration.freezeBackbone == true { try model.freezeBackbone() }
        optimizer = try configuration.makeOptimizer()
        progress = TrainingProgress()
    }

    /// Continues the run a checkpoint saved. A distillation run needs its `objective` again, with
    /// the same temperature, α and teacher weights as recorded; a plain run, none.
    ///
    /// - Parameters:
    ///   - checkpoint: a checkpoint ``checkpoint`` made or ``Checkpoint/init(contentsOf:)`` read; its
    ///     model, recipe, optimizer state and progress are taken over as they are.
    ///   - objective: the run's objective: nil (the default) for cross-entropy, or a
    ///     ``DistillationObjective`` with the recorded teacher, T and α.
    /// - Throws: ``SepCNNError`` if the objective is not the one recorded, or the checkpoint's progress
    ///   or optimizer state does not fit its model and recipe.
    public convenience init(resuming checkpoint: Checkpoint, objective: (any TrainingObjective)? = nil) throws {
        try checkpoint.progress.validate(for: checkpoint.configuration)
        let objective = objective ?? CrossEntropyObjective()
        switch (checkpoint.distillation, objective.distillation) {
        case (nil, nil): break
        case let (recorded?, nil):
            throw SepCNNError.invalidArgument(
                "the checkpoint distils from the teacher \(recorded.teacherName) (T = \(recorded.temperature), alpha = \(recorded.alpha)); resume it with that teacher's DistillationObjective")
        case let (nil, given?):
            throw SepCNNError.invalidArgument("the checkpoint trains without a teacher; it cannot continue as distillation from \(given.teacherName)")
        case let (recorded?, given?):
            guard recorded.trainsAlike(given) else {
                throw SepCNNError.invalidArgument(
                    "the run was distilled from \(recorded.teacherName) (weights \(recorded.teacherFingerprint)) at T = \(recorded.temperature), alpha = \(recorded.alpha), "
                        + "but the teacher given is \(given.teacherName) (weights \(given.teacherFingerprint)) at T = \(given.temperature), alpha = \(given.alpha); "
                        + "an exact resumption needs the same teacher and settings")
            }
        }
        try self.init(model: checkpoint.model, configuration: checkpoint.configuration, objective: objective)
        try optimizer.restore(checkpoint.optimizerState, for: model.namedParameters())
        progress = checkpoint.progress
        run = checkpoint.run
    }

    /// Continues the run a checkpoint saved for `epochs` epochs in all: more than it was set up
    /// for extends a finished run (a cosine schedule then spans the new length).
    ///
    /// - Parameters:
    ///   - checkpoint: the checkpoint to continue.
    ///   - epochs: the run's new length in epochs, counted from its start; at least the epochs
    ///     already trained.
    ///   - objective: the run's objective, as for ``init(resuming:objective:)``.
    /// - Throws: ``SepCNNError`` if `epochs` is fewer than the epochs already trained, or for anything
    ///   ``init(resuming:objective:)`` refuses.
    public convenience init(resuming checkpoint: Checkpoint, epochs: Int, objective: (any TrainingObjective)? = nil) throws {
        var extended = checkpoint
        guard epochs >= checkpoint.progress.epoch else {
            throw SepCNNError.invalidArgument("the run has already trained \(checkpoint.progress.epoch) epochs; --epochs \(epochs) cannot shorten it")
        }
        extended.configuration.epochs = epochs
        try self.init(resuming: extended, objective: objective)
    }

    public var checkpoint: Checkpoint {
        Checkpoint(model: model, configuration: configuration, optimizerState: optimizer.state, progress: progress, run: run,
                   distillation: objective.distillation)
    }

    /// A loss this many times the run's first is taken for divergence, like a NaN: a run that
    /// far off never comes back, and waiting for the overflow wastes the rest of the epoch.
    public static let divergenceFactor: Float = 1e6

    /// One update on a batch at learning rate `learningRate`. Returns the batch's mean loss and
    /// how many images it classified correctly (before the update). Throws, naming the step, if the
    /// loss is not finite: the update is not applied then.
    ///
    /// - Parameters:
    ///   - images: an NHWC batch of the model's input shape (``fit(training:validation:checkpoint:checkpointEvery:shouldStop:onBatch:onEpoch:)``
    ///     adapts a dataset's images first; this does not).
    ///   - labels: the images' classes, in `0..<classes`.
    ///   - learningRate: the rate of this update (the schedule's value, when `fit` calls it).
    ///   - indices: where the images stand in the set the objective was prepared on
    ///     (``TrainingObjective/prepare(training:adapter:)``) when they are those images unaugmented;
    ///     nil (the default) otherwise.
    @discardableResult
    public func step(images: Tensor, labels: [Int], learningRate: Float, indices: [Int]? = nil) throws -> (loss: Float, correct: Int) {
        model.zeroGradients()
        // Dropout draws from a stream of its own per step, so a resumed run draws the same masks.
        let (logits, pullback) = try Random.withSeed(mixSeed(configuration.seed, UInt64(truncatingIfNeeded: progress.step), 0xD20F)) {
            try model.valueWithPullback(images, training: true)
        }
        var loss = try indices.map {
            try objective.loss(logits: logits, images: images, indices: $0, labels: labels, labelSmoothing: configuration.labelSmoothing)
        } ?? objective.loss(logits: logits, images: images, labels: labels, labelSmoothing: configuration.labelSmoothing)
        let scales = (configuration.batchNormL1 ?? 0) > 0 ? batchNormScales : []
        if let lambda = configuration.batchNormL1, lambda > 0 {
            loss.value += lambda * scales.reduce(0) { $0 + $1.value.scalars.reduce(0) { $0 + abs($1) } }
        }
        guard loss.value.isFinite else {
            throw SepCNNError.invalidArgument(
                "training diverged: the loss became \(loss.value.isNaN ? "NaN" : "infinite") at step \(progress.step + 1) (epoch \(progress.epoch + 1), batch \(progress.batch + 1)); "
                    + "try a lower learning rate")
        }
        if progress.firstLoss == nil { progress.firstLoss = Double(loss.value) }
        if let first = progress.firstLoss, first > 0, Double(loss.value) > Double(Self.divergenceFactor) * first {
            throw SepCNNError.invalidArgument(
                "training diverged: the loss grew from \(first) to \(loss.value) (over \(Int(Self.divergenceFactor)) times) at step \(progress.step + 1) "
                    + "(epoch \(progress.epoch + 1), batch \(progress.batch + 1)); try a lower learning rate")
        }
        _ = try pullback(loss.gradient)
        if let lambda = configuration.batchNormL1, lambda > 0 { addSparsityGradient(lambda, to: scales) }
        optimizer.learningRate = learningRate
        try optimizer.step(model.namedParameters())
        progress.step += 1
        return (loss.value, zip(labels, predictedClasses(logits)).filter { $0 == $1 }.count)
    }

    /// Every trainable BatchNorm γ, for the Network Slimming penalty.
    private var batchNormScales: [Parameter] {
        model.network.namedLayers().compactMap { ($0.layer as? BatchNorm)?.weight }.filter(\.isTrainable)
    }

    /// λ · sign(γ): the (sub)gradient of λ · Σ|γ|, added to each scale's gradient.
    private func addSparsityGradient(_ lambda: Float, to scales: [Parameter]) {
        for gamma in scales {
            var gradient = gamma.gradient ?? Tensor(uncheckedShape: gamma.shape)
            for (i, g) in gamma.value.scalars.enumerated() where g != 0 { gradient.scalars[i] += g > 0 ? lambda : -lambda }
            gamma.gradient = gradient
        }
    }

    /// Steps between `fit`'s checks that every parameter and BatchNorm statistic is finite. A loss
    /// gone NaN or infinite is caught at the step itself; a running variance can overflow while the
    /// loss stays finite (batch statistics, not running ones, normalise in training), so the model is
    /// checked too: every 10 steps (a pass over the weights costs far less than a tenth of a step),
    /// at the end of every epoch and before every checkpoint, which therefore never saves a diverged run.
    public static let finiteCheckInterval = 10

    /// Throws, naming the first parameter, buffer or (with `optimizer`) optimizer buffer holding a
    /// NaN or an infinity and the step, if there is one. Nothing is changed.
    public func requireFiniteState(optimizer includeOptimizer: Bool = false) throws {
        let bad = model.namedParameters().first { !$0.parameter.value.isFinite }?.name
            ?? (includeOptimizer ? optimizer.state.tensors.sorted { $0.key < $1.key }.first { !$0.value.isFinite }.map { "optimizer state " + $0.key } : nil)
        guard let bad else { return }
        let checked = progress.step <= Self.finiteCheckInterval ? "" : " (all were finite \(Self.finiteCheckInterval) steps earlier at most)"
        throw SepCNNError.invalidArgument(
            "training diverged: '\(bad)' holds a NaN or an infinity after step \(progress.step) (epoch \(progress.epoch + 1), batch \(progress.batch))\(checked); "
                + "try a lower learning rate")
    }

    /// What `fit` reports after every batch.
    public struct BatchReport: Sendable {
        public var epoch: Int, batch: Int, batches: Int
        /// Mean loss and accuracy of the epoch so far.
        public var loss: Double, accuracy: Double
        public var imagesPerSecond: Double
        public var learningRate: Float
    }

    /// Trains from where `progress` stands until `configuration.epochs` epochs are done, validating
    /// after each epoch. Images of another size or gray images for a three-channel model are adapted
    /// batch by batch (`InputAdapter`). Writes a checkpoint to `checkpoint` (if given) after every epoch and every
    /// `checkpointEvery` batches, and returns early, after a checkpoint, once `shouldStop` says so.
    /// Resuming from any checkpoint gives the same weights as the uninterrupted run: batches,
    /// augmentation and dropout depend only on the seed, the epoch, the batch and the step.
    ///
    /// - Parameters:
    ///   - training: the images to train on, shuffled every epoch with the recipe's seed.
    ///   - validation: images scored in inference mode after every epoch (``EpochRecord/validationAccuracy``),
    ///     or nil for none. Hold them out of `training`, as ``Dataset/validationSplit(_:seed:)`` does.
    ///   - checkpoint: where to write a ``Checkpoint`` (atomically) after every epoch, or nil (the default) for none.
    ///   - checkpointEvery: with `checkpoint`, also write one every this many batches (default: only
    ///     after epochs); must be positive.
    ///   - shouldStop: asked after every batch and epoch; true saves a checkpoint (if there is one) and
    ///     returns, so that a resumed run continues there (`sepcnn train` says true on Ctrl-C).
    ///   - onBatch: called after every batch with the epoch's running loss and accuracy, for progress bars.
    ///   - onEpoch: called after every epoch with its record, validation included.
    /// - Throws: ``SepCNNError`` if the data cannot be adapted to the model or has a label beyond its
    ///   classes, the batch size exceeds the training images, or training diverges (a loss, weight or
    ///   BatchNorm statistic not finite, named with the step).
    public func fit(training: Dataset, validation: Dataset?, checkpoint: URL? = nil, checkpointEvery: Int? = nil,
                    shouldStop: (TrainingProgress) -> Bool = { _ in false },
                    onBatch: (BatchReport) -> Void = { _ in }, onEpoch: (EpochRecord) -> Void = { _ in }) throws {
        let adapter = try requireFit(training, "training")
        if let validation { try requireFit(validation, "validation") }
        let augmentation = configuration.augment ? Augmentation(cropPadding: 4, horizontalFlip: true) : .none
        let loader = try BatchLoader(dataset: training, batchSize: configuration.batchSize, shuffle: true,
                                     seed: configuration.seed, augmentation: augmentation)
        guard configuration.batchSize <= training.count else {
            throw SepCNNError.invalidArgument("the batch size \(configuration.batchSize) is larger than the \(training.count) training images")
        }
        if let checkpointEvery, checkpointEvery <= 0 {
            throw SepCNNError.invalidArgument("checkpointEvery must be positive, got \(checkpointEvery)")
        }
        guard progress.batch <= loader.batchCount else {
            throw SepCNNError.invalidArgument(
                "the run stands at batch \(progress.batch) of an epoch, but an epoch of this training set has \(loader.batchCount) batches; was it saved for other data?")
        }
        let schedule = configuration.makeSchedule(stepsPerEpoch: loader.batchCount)
        let clock = ContinuousClock()
        let stored = augmentation == .none
        if stored && progress.epoch < configuration.epochs {  // the run's time, not an epoch's
            let start = clock.now
            try objective.prepare(training: training, adapter: adapter)
            progress.seconds += microsecondsOf(clock.now - start) * 1e-6
        }
        while progress.epoch < configuration.epochs {
            var start = clock.now
            for batch in loader.batches(epoch: progress.epoch, startingAt: progress.batch) {
                let rate = schedule.learningRate(at: progress.step)
                let (loss, correct) = try step(images: try adapter(batch.images), labels: batch.labels, learningRate: rate,
                                               indices: stored ? batch.indices : nil)
                progress.batch += 1
                progress.epochLossSum += Double(loss) * Double(batch.labels.count)
                progress.epochCorrect += correct
                progress.epochImages += batch.labels.count
                let now = clock.now
                let elapsed = microsecondsOf(now - start) * 1e-6
                start = now
                progress.seconds += elapsed
                progress.epochSeconds += elapsed
                onBatch(BatchReport(epoch: progress.epoch, batch: progress.batch, batches: loader.batchCount,
                                    loss: progress.epochLossSum / Double(progress.epochImages),
                                    accuracy: Double(progress.epochCorrect) / Double(progress.epochImages),
                                    imagesPerSecond: Double(progress.epochImages) / max(progress.epochSeconds, 1e-9),
                                    learningRate: rate))
                let stopping = shouldStop(progress)
                let saving = progress.batch < loader.batchCount && checkpoint != nil
                    && (stopping || (checkpointEvery.map { progress.batch % $0 == 0 } ?? false))
                if saving || progress.step % Self.finiteCheckInterval == 0 { try requireFiniteState(optimizer: saving) }
                if saving, let checkpoint { try self.checkpoint.write(to: checkpoint) }
                if stopping && progress.batch < loader.batchCount { return }
            }
            try requireFiniteState(optimizer: true)
            var record = EpochRecord(epoch: progress.epoch + 1, loss: progress.epochLossSum / Double(max(progress.epochImages, 1)),
                                     accuracy: Double(progress.epochCorrect) / Double(max(progress.epochImages, 1)),
                                     validationLoss: nil, validationAccuracy: nil, seconds: progress.epochSeconds,
                                     imagesPerSecond: Double(progress.epochImages) / max(progress.epochSeconds, 1e-9))
            if let validation {
                let evaluation = try Self.evaluate(model, on: validation)
                (record.validationLoss, record.validationAccuracy) = (evaluation.loss, evaluation.accuracy)
            }
            progress.history.append(record)
            progress.epoch += 1
            (progress.batch, progress.epochLossSum, progress.epochCorrect, progress.epochImages, progress.epochSeconds) = (0, 0, 0, 0, 0)
            if let checkpoint { try self.checkpoint.write(to: checkpoint) }
            onEpoch(record)
            if shouldStop(progress) { return }
        }
    }

    /// The adapter from `data`'s images to the model's input; throws if there can be none.
    @discardableResult
    private func requireFit(_ data: Dataset, _ role: String) throws -> InputAdapter {
        let adapter: InputAdapter
        do { adapter = try InputAdapter(from: data.imageShape, to: model.inputShape) } catch let error as SepCNNError {
            throw SepCNNError.shapeMismatch("the \(role) images are \(describe(data.imageShape)) but model \(model.name) takes \(describe(model.inputShape)): \(error.message)")
        }
        guard data.count > 0 else { throw SepCNNError.invalidArgument("the \(role) set is empty") }
        let classes = try model.network.outputShape(for: [1] + model.inputShape).last ?? 0
        if let largest = data.labels.max(), largest >= classes {
            throw SepCNNError.invalidArgument("the \(role) set has label \(largest) but model \(model.name) has \(classes) classes")
        }
        return adapter
    }

    /// Accuracy, confusion matrix and loss of `model` on `data`, in inference mode, through
    /// compiled plans of up to `batchSize` images, adapted to the model's input like `fit`'s.
    ///
    /// - Parameters:
    ///   - model: the model to score, float or int8; it is not changed.
    ///   - data: labelled images.
    ///   - batchSize: images per compiled plan (default 250): larger batches run faster and hold more memory.
    /// - Throws: ``SepCNNError`` if `batchSize` is not positive or the images cannot be adapted to the model.
    public static func evaluate(_ model: Model, on data: Dataset, batchSize: Int = 250) throws -> Evaluation {
        guard batchSize > 0 else { throw SepCNNError.invalidArgument("batch size must be positive, got \(batchSize)") }
        let adapter = try InputAdapter(from: data.imageShape, to: model.inputShape)
        let full = try InferencePlan(model, batch: min(batchSize, max(data.count, 1)))
        var evaluation = Evaluation(classes: full.outputShape.last ?? 0)
        let loader = try BatchLoader(dataset: data, batchSize: full.inputShape[0], shuffle: false)
        for batch in loader.batches(epoch: 0) {
            let plan = batch.labels.count == full.inputShape[0] ? full : try InferencePlan(model, batch: batch.labels.count)
            try evaluation.add(logits: try plan(try adapter(batch.images)), labels: batch.labels)
        }
        return evaluation
    }
}

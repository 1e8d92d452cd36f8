/// The settings of a distillation run, as its checkpoints record them.
public struct DistillationSettings: Codable, Equatable, Sendable {
    /// T of `Loss.distillation`.
    public var temperature: Float
    /// α of `Loss.distillation`: the soft term's weight.
    public var alpha: Float
    /// The teacher's model name and `Model.fingerprint()`, which a resumed run's teacher must match.
    public var teacherName: String
    public var teacherFingerprint: String
    /// Where the teacher was read from, as `Model.load` takes it (a built-in name or an absolute
    /// path), and the state dict loaded into a built-in one; nil when the caller did not say
    /// (a teacher built in code). `sepcnn distill --resume` reads the teacher from here.
    public var teacher: String?
    public var teacherWeights: String?

    /// - Parameters:
    ///   - temperature: T, positive.
    ///   - alpha: α, the soft term's weight, in [0, 1].
    ///   - teacherName: the teacher model's name.
    ///   - teacherFingerprint: `Model.fingerprint()` of the teacher: 16 hex digits.
    ///   - teacher: where the teacher was read from, or nil (the default) for a teacher built in code.
    ///   - teacherWeights: the state dict loaded into a built-in teacher, or nil (the default).
    public init(temperature: Float, alpha: Float, teacherName: String, teacherFingerprint: String,
                teacher: String? = nil, teacherWeights: String? = nil) {
        self.temperature = temperature
        self.alpha = alpha
        self.teacherName = teacherName
        self.teacherFingerprint = teacherFingerprint
        self.teacher = teacher
        self.teacherWeights = teacherWeights
    }

    /// Whether a run with `other` computes the same losses: T, α and the teacher's weights agree
    /// (where the teacher file lives may change).
    public func trainsAlike(_ other: DistillationSettings) -> Bool {
        temperature == other.temperature && alpha == other.alpha && teacherFingerprint == other.teacherFingerprint
    }

    /// Throws naming the first field a checkpoint could not have been written with.
    func validate() throws {
        do { try Loss.requireDistillationSettings(temperature: temperature, alpha: alpha) } catch let error as SepCNNError {
            throw SepCNNError.invalidFile("distillation: \(error.message)")
        }
        guard teacherFingerprint.count == 16, teacherFingerprint.allSatisfy(\.isHexDigit) else {
            throw SepCNNError.invalidFile("distillation.teacherFingerprint '\(teacherFingerprint.prefix(40))' is not 16 hex digits")
        }
        for path in [teacher, teacherWeights].compactMap({ $0 }) where path.isEmpty || path.utf8.count > 4096 {
            throw SepCNNError.invalidFile("distillation holds an empty or overlong teacher path")
        }
    }
}

/// Knowledge distillation (`Loss.distillation`): the model learns from a teacher's softened
/// outputs as well as from the labels. The teacher runs in inference mode (BatchNorm with its
/// running statistics, no dropout) through compiled `InferencePlan`s — BatchNorm folded,
/// activations fused, weights packed once — on the very images each training step sees, augmented
/// and adapted. One plan is compiled per batch size met (the full batch and the epoch's remainder)
/// and reused, so a step costs the teacher one planned forward pass and no compilation.
///
/// When the training images are not augmented, the teacher sees the same image every epoch and,
/// being in inference mode, says the same thing about it: its logits for the whole training set are
/// then computed once, when training starts (``prepare(training:adapter:)``, in batches of
/// ``cacheBatchSize``), and each step looks them up — a run pays the teacher one pass over the data,
/// not one per epoch. Sets whose logits would take more than ``cacheLimit`` floats are taught online.
public final class DistillationObjective: TrainingObjective {
    public let teacher: Model
    public let temperature: Float
    public let alpha: Float
    public let distillation: DistillationSettings?
    /// Wall-clock seconds spent in the teacher's plans so far, so a caller can state the teacher's
    /// share of training (`sepcnn distill` prints it).
    public private(set) var teacherSeconds: Double = 0
    private var plans: [Int: InferencePlan] = [:]
    private let teacherClasses: Int
    /// The teacher's logits for every image of the prepared training set, `[count, classes]` row by row.
    private var cachedLogits: [Float] = []
    /// Training images whose teacher logits were computed ahead (``prepare(training:adapter:)``); 0 when
    /// the teacher runs on every batch.
    public var precomputedImages: Int { cachedLogits.count / max(teacherClasses, 1) }

    /// The most floats of teacher logits kept for a training set (256 MiB); larger sets are taught online.
    public static let cacheLimit = 1 << 26
    /// Images per teacher pass when the logits are computed ahead.
    public static let cacheBatchSize = 256

    /// T = 4, the paper's and most recipes' choice, softens a confident teacher enough to show which
    /// wrong classes it finds plausible. α = 0.5, not the common 0.9, by measurement: distilling
    /// fashion-sepcnn from a trained fashion-sepcnn-standard on Fashion-MNIST (3 seeds, 3 and 10 epochs),
    /// α = 0.5 beat plain training with BatchNorm statistics as trained and recalibrated alike
    /// (+0.36 to +2.9 points), while α = 0.9 only tied once the statistics were recalibrated.
    public static let defaultTemperature: Float = 4
    public static let defaultAlpha: Float = 0.5

    /// - Parameters:
    ///   - teacher: any model; its weights are read once, here (the plans snapshot them).
    ///   - temperature: T > 0.
    ///   - alpha: α in [0, 1]; 0 is plain cross-entropy training (the teacher then changes nothing).
    ///   - source: where `teacher` was read from, for the checkpoint's record (`DistillationSettings.teacher`).
    ///   - weights: the state dict loaded into a built-in teacher, for the record.
    /// - Throws: ``SepCNNError`` if T is not positive and finite, α lies outside [0, 1], or the teacher's
    ///   output is not class scores.
    public init(teacher: Model, temperature: Float = defaultTemperature, alpha: Float = defaultAlpha,
                source: String? = nil, weights: String? = nil) throws {
        try Loss.requireDistillationSettings(temperature: temperature, alpha: alpha)
        self.teacher = teacher
        self.temperature = temperature
        self.alpha = alpha
        teacherClasses = try teacher.outputClassCount()
        distillation = DistillationSettings(temperature: temperature, alpha: alpha, teacherName: teacher.name,
                                            teacherFingerprint: try teacher.fingerprint(), teacher: source, teacherWeights: weights)
    }

    /// The teacher must take the student's images and score the same classes.
    public func requireFits(_ model: Model) throws {
        guard teacher.inputShape == model.inputShape else {
            throw SepCNNError.shapeMismatch(
                "the teacher \(teacher.name) takes images \(describe(teacher.inputShape)) but the student \(model.name) takes \(describe(model.inputShape)); "
                    + "distillation shows both the same images, so their inputs must agree")
        }
        let studentClasses = try model.outputClassCount()
        guard teacherClasses == studentClasses else {
            throw SepCNNError.shapeMismatch(
                "the teacher \(teacher.name) scores \(teacherClasses) classes but the student \(model.name) scores \(studentClasses); they must agree")
        }
    }

    public func loss(logits: Tensor, images: Tensor, labels: [Int], labelSmoothing: Float) throws -> LossValue {
        try Loss.distillation(studentLogits: logits, teacherLogits: try teacherLogits(for: images), labels: labels,
                              temperature: temperature, alpha: alpha, labelSmoothing: labelSmoothing)
    }

    public func loss(logits: Tensor, images: Tensor, indices: [Int], labels: [Int], labelSmoothing: Float) throws -> LossValue {
        let classes = teacherClasses, count = cachedLogits.count / max(classes, 1)
        guard !cachedLogits.isEmpty, indices.count == images.shape.first, indices.allSatisfy({ (0..<count).contains($0) }) else {
            return try loss(logits: logits, images: images, labels: labels, labelSmoothing: labelSmoothing)
        }
        var rows = [Float]()
        rows.reserveCapacity(indices.count * classes)
        for index in indices { rows += cachedLogits[(index * classes)..<((index + 1) * classes)] }
        return try Loss.distillation(studentLogits: logits, teacherLogits: Tensor(uncheckedShape: [indices.count, classes], scalars: rows), labels: labels,
                                     temperature: temperature, alpha: alpha, labelSmoothing: labelSmoothing)
    }

    /// Computes the teacher's logits for all of `training` (adapted by `adapter`), unless they would
    /// exceed ``cacheLimit``; a second call replaces the first's.
    public func prepare(training: Dataset, adapter: InputAdapter) throws {
        cachedLogits = []
        guard training.count > 0, training.count <= Self.cacheLimit / max(teacherClasses, 1) else { return }
        let loader = try BatchLoader(dataset: training, batchSize: min(Self.cacheBatchSize, training.count), shuffle: false)
        var logits = [Float]()
        logits.reserveCapacity(training.count * teacherClasses)
        for batch in loader.batches(epoch: 0) {
            let scores = try teacherLogits(for: try adapter(batch.images))
            guard scores.shape == [batch.labels.count, teacherClasses] else { return }
            logits += scores.scalars
        }
        plans = [:]  // the steps' batch sizes compile their own, if ever needed
        cachedLogits = logits
    }

    /// The teacher's logits `[N, classes]` for a batch of its input images.
    public func teacherLogits(for images: Tensor) throws -> Tensor {
        guard images.rank == 4, Array(images.shape.dropFirst()) == teacher.inputShape else {
            throw SepCNNError.shapeMismatch("the teacher \(teacher.name) takes images \(describe(teacher.inputShape)), got a batch \(describe(images.shape))")
        }
        let start = ContinuousClock.now
        defer { teacherSeconds += microsecondsOf(ContinuousClock.now - start) * 1e-6 }
        let batch = images.shape[0]
        if plans[batch] == nil { plans[batch] = try InferencePlan(teacher, batch: batch) }
        return try plans[batch]!(images)
    }
}

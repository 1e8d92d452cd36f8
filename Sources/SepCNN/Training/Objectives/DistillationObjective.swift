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

    /// The paper's and most recipes' defaults: T = 4 softens a confident teacher enough to show
    /// which wrong classes it finds plausible; α = 0.9 leans on the teacher, with the labels as a guard.
    public static let defaultTemperature: Float = 4
    public static let defaultAlpha: Float = 0.9

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

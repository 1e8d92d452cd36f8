import ArgumentParser
import Foundation
import SepCNN

struct Distill: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a student model on a dataset with knowledge distillation from a teacher model.",
        usage: "sepcnn distill --teacher <model> --student <model> [--temperature <t>] [--alpha <a>] [<train options>]\n"
            + "       sepcnn distill --resume <checkpoint> [--epochs <n>]",
        discussion: """
            The loss of Hinton et al. (2015): alpha·T²·KL(softmax(teacher/T) ‖ softmax(student/T)) + \
            (1 − alpha)·cross-entropy(student, labels). The teacher — a model file, checkpoint or ONNX \
            file, or a built-in model with --teacher-weights — runs in inference mode through its compiled \
            plan on the same (augmented) images as the student, batch by batch; it must take the student's \
            input and score the same classes. alpha 0 is exactly 'sepcnn train'. Validation reports the \
            student's plain cross-entropy.

            Every 'sepcnn train' option applies (dataset, epochs, optimizer, schedule, seed, checkpoints, \
            --output, --json). The checkpoint records the teacher (where it was read from and a fingerprint \
            of its weights), T and alpha: --resume CHECKPOINT alone reads the teacher again from there and \
            refuses one whose weights changed; --teacher NEW-PATH points at a moved copy of the same teacher.

              sepcnn train --model fashion-sepcnn-standard --epochs 5 --output teacher.safetensors
              sepcnn distill --teacher teacher.safetensors --student fashion-sepcnn --epochs 5 --output student.safetensors
              sepcnn distill --resume student.checkpoint.safetensors
            """)

    @Option(help: "The student: a built-in model (sized for the dataset), or a model file, checkpoint or ONNX file, as train's --model.")
    var student: String?

    @OptionGroup var teacher: TeacherArguments

    @OptionGroup var options: TrainingRunOptions

    func validate() throws {
        if options.resume == nil {
            if teacher.teacher == nil || student == nil { throw ValidationError("give --teacher MODEL and --student MODEL (or --resume CHECKPOINT)") }
        }
    }

    func run() throws {
        try options.runTraining(TrainingCommand(name: "distill", modelFlag: "--student", model: student, teacher: teacher))
    }
}

/// The teacher and the distillation loss's settings.
struct TeacherArguments: ParsableArguments {
    @Option(help: "The teacher: a model file, checkpoint or ONNX file, or a built-in model with --teacher-weights.")
    var teacher: String?

    @Option(help: "A PyTorch state dict (.safetensors) to load into a built-in teacher, as eval's --weights.")
    var teacherWeights: String?

    @Option(parsing: .unconditional, help: "Softmax temperature T of the soft targets (default \(DistillationObjective.defaultTemperature)).")
    var temperature: Float?

    @Option(parsing: .unconditional, help: "Weight alpha of the teacher's term, in [0, 1] (default \(DistillationObjective.defaultAlpha)); 0 trains on the labels alone.")
    var alpha: Float?

    func validate() throws {
        if let temperature, !(temperature > 0 && temperature.isFinite) {
            throw ValidationError("--temperature must be positive and finite, got \(temperature)")
        }
        if let alpha, !(alpha >= 0 && alpha <= 1) { throw ValidationError("--alpha must lie in [0, 1], got \(alpha)") }
        if teacherWeights != nil && teacher == nil { throw ValidationError("--teacher-weights needs --teacher NAME (a built-in model)") }
    }

    /// The objective of a new run of `student`: the teacher read and checked against it.
    func objective(for student: Model) throws -> DistillationObjective {
        guard let teacher else { throw ValidationError("give --teacher MODEL") }
        let model = try load(teacher, weights: teacherWeights, for: student)
        return try DistillationObjective(teacher: model, temperature: temperature ?? DistillationObjective.defaultTemperature,
                                         alpha: alpha ?? DistillationObjective.defaultAlpha,
                                         source: TrainingRunOptions.namesBuiltInModel(teacher) ? ModelZoo.canonicalName(teacher) ?? teacher : absolute(teacher),
                                         weights: teacherWeights.map(absolute))
    }

    /// The objective of a resumed run: the teacher read from `--teacher` if given, else from where the
    /// run recorded it, and refused unless its weights are those the run started with.
    func objective(resuming recorded: DistillationSettings, student: Model) throws -> DistillationObjective {
        let source = teacher.map { TrainingRunOptions.namesBuiltInModel($0) ? ModelZoo.canonicalName($0) ?? $0 : absolute($0) } ?? recorded.teacher
        let weights = teacherWeights.map(absolute) ?? (teacher == nil ? recorded.teacherWeights : nil)
        guard let source else {
            throw ValidationError("the run does not record where its teacher \(recorded.teacherName) was read from; give --teacher MODEL")
        }
        let model: Model
        do { model = try load(source, weights: weights, for: student) } catch {
            throw ValidationError("cannot read the run's teacher \(source): \(message(of: error)); if it moved, give --teacher NEW-PATH")
        }
        let objective = try DistillationObjective(teacher: model, temperature: recorded.temperature, alpha: recorded.alpha,
                                                  source: source, weights: weights)
        guard let given = objective.distillation, given.teacherFingerprint == recorded.teacherFingerprint else {
            throw ValidationError("the teacher \(source) is not the one the run was distilled from: its weights differ "
                                  + "(fingerprint \(objective.distillation?.teacherFingerprint ?? "?"), the run recorded \(recorded.teacherFingerprint) for \(recorded.teacherName)); "
                                  + "an exact resumption needs the same teacher")
        }
        return objective
    }

    /// Each setting given that differs from the run's, as "--flag given (the run has recorded)".
    func conflicts(with recorded: DistillationSettings) -> [String] {
        var found: [String] = []
        if let temperature, temperature != recorded.temperature { found.append("--temperature \(temperature) (the run has \(recorded.temperature))") }
        if let alpha, alpha != recorded.alpha { found.append("--alpha \(alpha) (the run has \(recorded.alpha))") }
        return found
    }

    /// A teacher file as it is, or a built-in teacher sized like the student (input and classes) with
    /// `weights` loaded: a built-in model's fresh random weights would teach nothing, so they are refused.
    private func load(_ argument: String, weights: String?, for student: Model) throws -> Model {
        guard TrainingRunOptions.namesBuiltInModel(argument) else {
            guard weights == nil else { throw ValidationError("--teacher-weights loads into a built-in teacher; the file \(argument) carries its own") }
            return try loadModelWarningIfNotFinite(argument)
        }
        guard let weights else {
            throw ValidationError("the teacher \(argument) is a built-in model with fresh random weights: it has nothing to teach. "
                                  + "Give a trained model file (sepcnn train --model \(argument) --output teacher.safetensors), or --teacher-weights FILE")
        }
        let options = ModelOptions(resolution: student.inputShape[0], classes: try student.outputClassCount(), inputChannels: student.inputShape[2])
        return try Random.withSeed(0) { try loadModelWarningIfNotFinite(argument, options: options, weights: weights) }
    }

    private func message(of error: Error) -> String {
        (error as? SepCNNError)?.message ?? (error as? ValidationError)?.message ?? "\(error)"
    }
}

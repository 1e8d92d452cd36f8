import ArgumentParser
import Foundation
import SepCNN

struct Compress: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Prune, distil and quantize a trained model in one go, and measure every stage.",
        usage: "sepcnn compress <model> --output <file> [--teacher <model>] [--target-macs <f>] [--int8] [<train options>]",
        discussion: """
            The stages: the model as given (baseline); with --target-macs, its channels pruned until at most that \
            fraction of its multiply-accumulates remain (as 'sepcnn prune --target-macs' does: l1 ranking, counts \
            rounded to multiples of \(ChannelPruner.defaultRoundTo), BatchNorm statistics re-estimated); fine-tuned \
            for --epochs epochs with distillation from the teacher (as 'sepcnn distill' trains; the teacher is the \
            unpruned model itself unless --teacher names another); with --int8, quantized to int8 (as 'sepcnn \
            quantize' does, calibrated on 500 training images). At the end, a table of every stage: accuracy on the \
            dataset's test split (the same images for all; the int8 model through its int8 plan), parameters, the \
            size of its model file, MACs, and the median time of one image (batch 1) after a warm-up, as 'sepcnn \
            prune' times it.

            --output is the last stage's model; the others are saved beside it as NAME.pruned.safetensors and \
            NAME.distilled.safetensors. Every 'sepcnn train' option shapes the fine-tuning (dataset, epochs, \
            optimizer, schedule, seed, checkpoints, --save-best); Ctrl-C saves a checkpoint and prints the command \
            that continues (this command again with --resume). --json prints the stages as JSON alone on standard \
            output; --report FILE.html writes a page with accuracy against latency for each stage.

              sepcnn compress fashion.safetensors --output fashion-small.safetensors --target-macs 0.5 --int8 \\
                --dataset fashion-mnist --data DIR --epochs 3 --report compress.html
            """)

    @Argument(help: "The trained model to compress: a model file or checkpoint, or an ONNX file.")
    var model: String

    @Option(parsing: .unconditional, help: "Prune until the model has at most this fraction of its multiply-accumulates, e.g. 0.5 (default: no pruning).")
    var targetMacs: Double?

    @Flag(help: "Quantize the fine-tuned model to int8 as the last stage.")
    var int8 = false

    @OptionGroup var teacher: TeacherArguments

    @OptionGroup var options: TrainingRunOptions

    func validate() throws {
        guard options.output != nil else { throw ValidationError("give --output FILE: where the compressed model goes") }
        // The student keeps the model's input and classes, which the teacher (by default the model itself) must share.
        if options.resolution != nil || options.classes != nil || options.widthMultiplier != nil {
            throw ValidationError("compress keeps the model's input size and classes: --resolution, --classes and --width-multiplier do not apply")
        }
    }

    func run() throws {
        flushOutputByLine()
        let console = Console(json: options.json)
        if let threads = options.threads { try ThreadPool.setSharedThreads(threads) }
        if TrainingRunOptions.namesBuiltInModel(model) {
            throw ValidationError("\(model) is a built-in model with fresh random weights: there is nothing to compress. "
                                  + "Train it first (sepcnn train --model \(model) --output model.safetensors) and compress that file")
        }
        let output = URL(fileURLWithPath: absolute(options.output ?? ""))
        try AtomicFile.requireWritable(output, role: "model")
        if let report = options.report { try AtomicFile.requireWritable(URL(fileURLWithPath: report), role: "report") }

        // Everything that can be refused is refused here, before data is read or anything trained.
        let baseline = try loadModelWarningIfNotFinite(model)
        let pipeline = CompressionPipeline(targetMACs: targetMacs, int8: int8)
        try pipeline.requireApplicable(to: baseline)
        var teacher = self.teacher
        if teacher.teacher == nil { teacher.teacher = model }
        try teacher.objective(for: baseline).requireFits(baseline)
        var source = try options.data.source()
        source.imageShape = baseline.inputShape
        guard source.hasSeparateTestSplit else {
            throw ValidationError("compress scores every stage on a test split apart from the training images: give --data a folder with train/ and test/ folders")
        }
        let splits = try source.trainingSplits(validationSplit: options.validationSplit ?? TrainingRunOptions.defaultValidationSplit,
                                               seed: options.training.seed ?? 0)
        let test = try source.test()
        if let note = adaptationNote(images: splits.train.imageShape, model: baseline) { printNote(note) }
        try pipeline.requireFits(baseline, data: splits.train, role: "training")

        console.say("compressing \(baseline.name): " + pipeline.stages.map(\.rawValue).joined(separator: " → ")
                    + "; every stage scored on \(grouped(test.count)) test images (\(source.description))")
        let stages = try pipeline.run(
            baseline, training: splits.train, test: test, output: output,
            fineTune: { _, saved in
                // The training run `sepcnn distill` makes, from the file the student was saved to.
                var run = options
                run.output = pipeline.file(of: .distilled, output: output)?.path
                (run.report, run.test) = (nil, false)
                return try run.runTraining(TrainingCommand(name: "compress", modelFlag: "MODEL", model: saved?.path ?? model, teacher: teacher,
                                                           printsJSON: false, resume: Self.resumeCommand))
            },
            onStage: { r in
                console.say("\(r.stage.rawValue): test accuracy \(format(r.testAccuracy * 100, 2)) %, \(grouped(r.parameters)) parameters, "
                            + "\(grouped(r.macs)) MACs, \(format(r.latencyMicroseconds / 1000, 3)) ms" + (r.file.map { ", saved to \($0)" } ?? ""))
            })
        if let report = options.report { try writeReport(to: report, stages, baseline: baseline, teacher: teacher.teacher ?? model, data: source) }
        if options.json {
            struct Report: Encodable {
                var model: String, output: String, teacher: String, targetMacs: Double?, int8: Bool, threads: Int
                var stages: [CompressionStageResult]
            }
            print(try encodeJSON(Report(model: baseline.name, output: output.path, teacher: teacher.teacher ?? model, targetMacs: targetMacs,
                                        int8: int8, threads: ThreadPool.shared.threads, stages: stages)))
            return
        }
        printTable(stages)
    }

    /// This command line again, continuing from `checkpoint` (any earlier `--resume` replaced).
    private static func resumeCommand(_ checkpoint: String) -> String {
        var words: [String] = []
        var arguments = CommandLine.arguments.dropFirst().makeIterator()
        while let word = arguments.next() {
            if word == "--resume" { _ = arguments.next(); continue }
            if word.hasPrefix("--resume=") { continue }
            words.append(word)
        }
        return (["sepcnn"] + words + ["--resume", checkpoint]).map(shellQuoted).joined(separator: " ")
    }

    private func printTable(_ stages: [CompressionStageResult]) {
        guard let base = stages.first else { return }
        func ratio(_ a: Double, _ b: Double) -> String { b > 0 ? String(format: "%.2f×", a / b) : "—" }
        let rows = stages.map { s in
            [s.stage.rawValue, format(s.testAccuracy * 100, 2) + " %", String(format: "%+.2f pt", (s.testAccuracy - base.testAccuracy) * 100),
             grouped(s.parameters), formattedFileSize(s.fileBytes), grouped(s.macs), format(s.latencyMicroseconds / 1000, 3) + " ms",
             ratio(base.latencyMicroseconds, s.latencyMicroseconds), ratio(Double(base.fileBytes), Double(s.fileBytes))]
        }
        print(formatTable(header: ["stage", "test accuracy", "change", "parameters", "file size", "MACs", "latency", "faster", "smaller"],
                          rows: rows, rightAligned: Set(1...8)), terminator: "")
        print("test images: \(grouped(base.testImages)); latency: median of 30 runs of one image after 5 warm-up runs, "
              + "\(ThreadPool.shared.threads) thread\(ThreadPool.shared.threads == 1 ? "" : "s")")
        print("saved \(stages.last?.file ?? "")")
    }
}

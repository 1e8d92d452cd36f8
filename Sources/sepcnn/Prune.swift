import ArgumentParser
import Foundation
import SepCNN

struct Prune: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove whole channels from a model so it is physically smaller and faster, and fine-tune it.",
        usage: "sepcnn prune <model> --output <output> [<options>]",
        discussion: """
            Channels that must go together (a convolution's outputs with the BatchNorm, activation and depthwise \
            convolution after them, every tensor a residual addition joins, a squeeze-and-excitation gate, a \
            concatenation, a flatten into a dense layer) are found from the model's graph; the least important go, \
            ranked by filter norm (l1, l2), BatchNorm scale (bn) or first-order Taylor on data (taylor). The classifier \
            keeps every class. Kept counts are multiples of --round-to (default \(ChannelPruner.defaultRoundTo): the \
            kernels' SIMD width, 16 floats). The output is an ordinary model file every command takes.

            Example, fine-tuned on the full Fashion-MNIST in DIR (the files as published):
              sepcnn prune fashion.safetensors --output fashion-half.safetensors \\
                --target-macs 0.5 --dataset fashion-mnist --data DIR --fine-tune-epochs 2
            """)

    @Argument(help: "A model file or checkpoint, an ONNX file, or a built-in model name.")
    var model: String

    @Option(help: "The pruned model file to write (.safetensors).")
    var output: String

    @Option(help: "A PyTorch state dict saved as .safetensors to load into a built-in model first.")
    var weights: String?

    @Option(parsing: .unconditional, help: "Prune until the model has at most this fraction of its multiply-accumulates, e.g. 0.5.")
    var targetMacs: Double?

    @Option(parsing: .unconditional, help: "Remove this fraction of every channel group, e.g. 0.3.")
    var ratio: Double?

    @Option(help: "How channels are ranked: l1, l2, bn or taylor.")
    var criterion = PruningCriterion.l1.rawValue

    @Flag(help: "Rank channels across groups (each group keeps at least 10 %) instead of the same fraction per group.")
    var global = false

    @Option(parsing: .unconditional, help: "Round kept channel counts to a multiple of this.")
    var roundTo = ChannelPruner.defaultRoundTo

    @Option(parsing: .unconditional, help: "Prune in this many rounds, fine-tuning after each.")
    var steps = 1

    @OptionGroup var data: DataArguments

    @Option(parsing: .unconditional, help: "Epochs of fine-tuning after each round (0: none).")
    var fineTuneEpochs = 0

    @OptionGroup var training: TrainingOptions

    @Option(parsing: .unconditional, help: "Threads (default: SEPCNN_THREADS, else the number of cores).") var threads: Int?
    @Flag(help: "Print the report as JSON (progress goes to standard error).") var json = false
    @Option(help: "Also write an HTML page of the result to this file: channels and MACs per layer, time and accuracy before and after.")
    var report: String?

    /// Batches of 64 training images BatchNorm statistics are re-estimated on after each round.

    func validate() throws {
        switch (targetMacs, ratio) {
        case (nil, nil): throw ValidationError("give --target-macs F or --ratio R")
        case (.some, .some): throw ValidationError("give --target-macs or --ratio, not both")
        default: break
        }
        // The ranges are checked here, before a model is loaded or data read.
        if let ratio, !(ratio > 0 && ratio < 1) {
            throw ValidationError("the pruning ratio must lie strictly between 0 and 1 (--ratio: the fraction of each group's channels removed), got \(ratio)")
        }
        if let targetMacs, !(targetMacs > 0 && targetMacs < 1) {
            throw ValidationError("the MAC target must be a fraction strictly between 0 and 1 of the model's MACs (--target-macs: the share kept), got \(targetMacs)")
        }
        guard (1...4096).contains(roundTo) else { throw ValidationError("--round-to must lie between 1 and 4096, got \(roundTo)") }
        guard (1...100).contains(steps) else { throw ValidationError("--steps must lie between 1 and 100, got \(steps)") }
        guard PruningCriterion(rawValue: criterion) != nil else {
            throw ValidationError("unknown criterion '\(criterion)'; choose \(PruningCriterion.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard fineTuneEpochs >= 0 else { throw ValidationError("--fine-tune-epochs must not be negative") }
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must lie between 1 and 256") }
        try data.validate()
    }

    func run() throws {
        flushOutputByLine()
        if let threads { try ThreadPool.setSharedThreads(threads) }
        if let report { try AtomicFile.requireWritable(URL(fileURLWithPath: report), role: "report") }
        let original = try Model.load(model, weights: weights)
        let criterion = PruningCriterion(rawValue: criterion)!
        let target: PruningTarget = targetMacs.map { .macs($0) } ?? .ratio(ratio!)
        let pruner = ChannelPruner(criterion: criterion, global: global, roundTo: roundTo)
        let dependencies = try DependencyGraph(original)
        let groups = dependencies.groups
        // A target no group structure reaches is refused before any data is read or time measured.
        try pruner.requireReachable(dependencies, target: target)
        say("pruning \(original.name): \(groups.count) channel groups, \(grouped(groups.reduce(0) { $0 + $1.channels })) prunable channels; "
              + "\(criterion.rawValue) \(global ? "global" : "local") ranking, counts rounded to multiples of \(roundTo)")

        // Data is read only when something needs it: the Taylor criterion, fine-tuning, or accuracy
        // of a model the data fits (the embedded Fashion-MNIST by default).
        let wantsData = criterion.needsData || fineTuneEpochs > 0 || data.data != nil || fitsEmbeddedSet(original)
        let splits = wantsData ? try data.trainingSplits(seed: training.seed ?? 0) : nil
        // Labels of another dataset rank and train nonsense without an error (a 1000-class ImageNet
        // model takes Fashion-MNIST's labels 0–9): the classes must agree, or nothing uses the data.
        let classes = try original.outputClassCount()
        let dataFits = splits.map { $0.train.classNames.count == classes } ?? false
        if let splits, !dataFits, criterion.needsData || fineTuneEpochs > 0 {
            let source = (try? data.source().description) ?? data.datasetText
            let users = [criterion.needsData ? "the \(criterion.rawValue) criterion" : nil, fineTuneEpochs > 0 ? "fine-tuning" : nil].compactMap { $0 }
            throw ValidationError(
                "\(users.joined(separator: " and ")) \(users.count > 1 ? "need" : "needs") labelled images of the model's \(classes) classes, and \(source) has \(splits.train.classNames.count)"
                    + (data.data == nil ? " (the embedded set, used without --data)" : "")
                    + ": give --dataset NAME --data DIR with images of those classes"
                    + (fineTuneEpochs > 0 ? ", or give the model a classifier for this data first (sepcnn train --model FILE --classes N)" : "")
                    + (criterion.needsData ? ", or rank with --criterion l1, l2 or bn" : ""))
        }
        if let splits, dataFits, let note = adaptationNote(images: splits.train.imageShape, model: original) { printNote(note) }
        func accuracy(_ m: Model) throws -> Double? {
            guard let splits, dataFits else { return nil }
            guard let validation = splits.validation else { return nil }
            return try Trainer.evaluate(m, on: validation).accuracy
        }

        let timeBefore = try original.measuredLatency()
        let accuracyBefore = try accuracy(original)
        var accuracyPruned: Double?
        let pruned = try pruner.prune(
            original, target: target, steps: steps,
            data: { current in
                guard criterion.needsData, let splits else { return nil }
                return try PruningData(splits.train, for: current, batches: 8, batchSize: 32)
            },
            fineTune: { current, round in
                let summary = try ModelSummary(current)
                var note = ""
                if let splits, dataFits {
                    // The kept channels' statistics after removed ones are stale: re-estimate them first.
                    let calibration = try PruningData.batchNormRecalibration(splits.train, for: current)
                    try current.recalibrateBatchNorm(on: calibration)
                    // A small training set gives fewer batches than asked for: say how many images there were.
                    let images = calibration.batches.reduce(0) { $0 + $1.labels.count }
                    note = ", BatchNorm recalibrated on \(grouped(images)) training images"
                }
                accuracyPruned = try accuracy(current)
                say("round \(round)/\(steps): \(grouped(summary.totalParameters)) parameters, \(grouped(summary.macs)) MACs"
                      + note + (accuracyPruned.map { ", validation accuracy \(format($0 * 100, 2)) %" } ?? ""))
                guard fineTuneEpochs > 0, let splits else { return }
                try fineTune(current, on: splits)
            })
        try ModelFile.save(pruned, to: URL(fileURLWithPath: output))
        let timeAfter = try pruned.measuredLatency()
        let accuracyTuned = fineTuneEpochs > 0 ? try accuracy(pruned) : nil
        let report = try PruningReport(original: original, pruned: pruned)
        if let page = self.report {
            try writeReport(to: page, report, original: original, times: (timeBefore, timeAfter),
                            accuracies: (accuracyBefore, accuracyPruned, accuracyTuned), criterion: criterion)
        }
        if json {
            struct Report: Encodable {
                var model: String, output: String, criterion: String, global: Bool, roundTo: Int, threads: Int
                var parametersBefore: Int, parametersAfter: Int, macsBefore: Int, macsAfter: Int
                var microsecondsBefore: Double, microsecondsAfter: Double
                var accuracyBefore: Double?, accuracyPruned: Double?, accuracyFineTuned: Double?
                var layers: [PruningReport.Row]
            }
            print(try encodeJSON(Report(model: original.name, output: output, criterion: criterion.rawValue, global: global, roundTo: roundTo,
                                        threads: ThreadPool.shared.threads, parametersBefore: report.parametersBefore,
                                        parametersAfter: report.parametersAfter, macsBefore: report.macsBefore, macsAfter: report.macsAfter,
                                        microsecondsBefore: timeBefore, microsecondsAfter: timeAfter, accuracyBefore: accuracyBefore,
                                        accuracyPruned: accuracyPruned, accuracyFineTuned: accuracyTuned, layers: report.rows)))
            return
        }
        printTable(report, times: (timeBefore, timeAfter), accuracies: (accuracyBefore, accuracyPruned, accuracyTuned))
        print("saved \(output)")
    }

    /// A progress line: on standard output, or standard error when the JSON goes to standard output.
    private func say(_ text: String) {
        if json { printNote(text) } else { print(text) }
    }

    private func fitsEmbeddedSet(_ model: Model) -> Bool {
        model.inputShape == [28, 28, 1] && (try? model.network.outputShape(for: [1, 28, 28, 1])) == [1, 10]
    }

    private func fineTune(_ model: Model, on splits: TrainingSplits) throws {
        let trainer = try Trainer(model: model, configuration: training.configuration(epochs: fineTuneEpochs))
        let bar = ProgressLine(total: 0)
        try trainer.fit(
            training: splits.train, validation: splits.validation,
            onBatch: { r in
                let width = 24, filled = width * r.batch / r.batches
                bar.show("fine-tuning epoch \(r.epoch + 1)/\(fineTuneEpochs) [\(String(repeating: "#", count: filled))\(String(repeating: ".", count: width - filled))] "
                         + "\(r.batch)/\(r.batches)  loss \(format(r.loss, 4))  accuracy \(format(r.accuracy * 100, 1)) %")
            },
            onEpoch: { e in
                bar.finish()
                say("  fine-tuning epoch \(e.epoch)/\(fineTuneEpochs)  loss \(format(e.loss, 4))  "
                      + "validation accuracy \(format((e.validationAccuracy ?? 0) * 100, 2)) %  \(format(e.seconds, 1)) s")
            })
    }

    private func printTable(_ report: PruningReport, times: (Double, Double), accuracies: (Double?, Double?, Double?)) {
        let rows = report.rows.map { r in
            [r.path, r.type, "\(r.channelsBefore)", "\(r.channelsAfter)", grouped(r.macsBefore), grouped(r.macsAfter)]
        }
        print(formatTable(header: ["layer", "type", "channels", "after", "MACs", "after"], rows: rows, rightAligned: [2, 3, 4, 5]), terminator: "")
        func reduction(_ a: Double, _ b: Double) -> String { b > 0 ? String(format: "%.2f×", a / b) : "—" }
        func percentText(_ value: Double?) -> String { value.map { format($0 * 100, 2) + " %" } ?? "—" }
        let totals = [
            ["parameters", grouped(report.parametersBefore), grouped(report.parametersAfter),
             reduction(Double(report.parametersBefore), Double(report.parametersAfter))],
            ["MACs", grouped(report.macsBefore), grouped(report.macsAfter), reduction(Double(report.macsBefore), Double(report.macsAfter))],
            ["time (InferencePlan, batch 1)", format(times.0 / 1000, 3) + " ms", format(times.1 / 1000, 3) + " ms", reduction(times.0, times.1)],
            ["accuracy before / after pruning", percentText(accuracies.0), percentText(accuracies.1), ""],
            ["accuracy after fine-tuning", "", percentText(accuracies.2), ""],
        ]
        print(formatTable(header: ["", "before", "after", "reduction"], rows: totals, rightAligned: [1, 2, 3]), terminator: "")
        print("threads: \(ThreadPool.shared.threads)")
    }
}

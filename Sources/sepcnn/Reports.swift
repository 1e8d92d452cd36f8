import Foundation
import SepCNN

// `--report FILE.html`: each command hands what it measured to the library's page builders
// (`ReportPage`, `ReportSection`); only the wording of the summary rows is chosen here.

/// A finished training run's page (`train --report`; any command that runs a `Trainer` with a
/// `TrainingRun` can write it, `title` saying what the run was). The confusion matrix is the test
/// evaluation's when there was one, else the final model's on the validation images (one more pass
/// over them), else none.
func writeTrainingReport(to path: String, title: String, command: String, trainer: Trainer, run: TrainingRun, splits: TrainingSplits,
                         source: DataSource, batches: [TrainingCurves.BatchSample], test: (result: Evaluation, data: String)?) throws {
    let final = run.saveBest ? try Model.load(run.output) : trainer.model
    var evaluation = test
    if evaluation == nil, let validation = splits.validation {
        evaluation = (try Trainer.evaluate(final, on: validation), "the \(grouped(validation.count)) validation images held out of the training set")
    }
    let c = trainer.configuration, summary = try ModelSummary(final), history = trainer.progress.history
    // Each step's time through the compiled plan, as `bench --profile` measures it (50 runs a step).
    var generator = RandomGenerator(seed: 1)
    let steps = try InferencePlan(final, batch: 1).profile(try Tensor.normal([1] + final.inputShape, using: &generator))
        .map { ProfiledStep(step: $0.step, medianMicroseconds: $0.medianMicroseconds) }
    var facts: [(String, String)] = [
        ("model", "\(final.name): \(grouped(summary.trainableParameters)) trainable parameters, \(grouped(summary.macs)) MACs per image"),
        ("data", "\(grouped(splits.train.count)) training images (\(source.description))"
            + (splits.validation.map { ", \(grouped($0.count)) held out to validate on" } ?? ", no validation")),
        ("recipe", "\(history.count) of \(c.epochs) epochs, batch \(c.batchSize), \(c.optimizer.rawValue), learning rate \(c.learningRate), "
            + "\(c.schedule.rawValue) schedule, seed \(c.seed)"),
        ("training time", String(format: "%.1f s on %d thread%@", trainer.progress.seconds, ThreadPool.shared.threads,
                                 ThreadPool.shared.threads == 1 ? "" : "s")),
    ]
    var trainingLoss: String?
    if let objective = trainer.objective as? DistillationObjective {
        let T = format(Double(objective.temperature), 1), alpha = format(Double(objective.alpha), 2)
        trainingLoss = "the distillation loss α·T²·KL + (1 − α)·cross-entropy"
        facts.append(("teacher", "\(objective.teacher.name) (\(grouped(try ModelSummary(objective.teacher).trainableParameters)) trainable parameters) "
                      + "at temperature \(T), alpha \(alpha); it took \(format(objective.teacherSeconds, 1)) s of this session's training"
                      + (objective.precomputedImages > 0 ? ", scoring the \(grouped(objective.precomputedImages)) unaugmented training images once" : "")))
    }
    if let last = history.last {
        facts.append(("last epoch", "loss \(format(last.loss, 4)), accuracy \(format(last.accuracy * 100, 2)) %"
                      + (last.validationAccuracy.map { ", validation accuracy \(format($0 * 100, 2)) %" } ?? "")))
    }
    if let best = trainer.progress.bestEpoch, let accuracy = best.validationAccuracy {
        facts.append(("best validation", "epoch \(best.epoch): \(format(accuracy * 100, 2)) %" + (run.saveBest ? " (the saved model)" : "")))
    }
    if let test { facts.append(("test accuracy", "\(format(test.result.accuracy * 100, 2)) % on \(test.data)")) }
    facts.append(("saved to", run.output))
    let page = ReportPage.training(
        title: title, subtitle: "sepcnn \(command), \(history.count) epoch\(history.count == 1 ? "" : "s") on \(source.description)",
        facts: facts, curves: TrainingCurves(epochs: history, batches: batches, trainingLoss: trainingLoss), batchInterval: run.logEvery,
        summary: summary, evaluation: evaluation, classNames: final.classNames ?? splits.train.classNames, stepTimes: steps)
    try page.write(to: URL(fileURLWithPath: path))
}

extension Prune {
    func writeReport(to path: String, _ report: PruningReport, original: Model, times: (Double, Double),
                     accuracies: (Double?, Double?, Double?), criterion: PruningCriterion) throws {
        let target = targetMacs.map { "to at most \(format($0 * 100, 0)) % of its MACs" } ?? "by \(format((ratio ?? 0) * 100, 0)) % of every channel group"
        let stages: [(stage: String, accuracy: Double?)] = [
            ("before pruning", accuracies.0),
            ("after pruning (BatchNorm recalibrated)", accuracies.1),
        ] + (fineTuneEpochs > 0 ? [("after \(fineTuneEpochs) epoch\(fineTuneEpochs == 1 ? "" : "s") of fine-tuning", accuracies.2)] : [])
        let page = ReportPage(
            title: "Pruning \(original.name)",
            subtitle: "sepcnn prune \(target), \(criterion.rawValue) \(global ? "global" : "local") ranking, counts rounded to multiples of \(roundTo), "
                + "\(steps) round\(steps == 1 ? "" : "s"); saved to \(output); times on \(ThreadPool.shared.threads) thread\(ThreadPool.shared.threads == 1 ? "" : "s")",
            sections: ReportSection.pruning(report, microseconds: times, accuracies: stages), footer: "Written by sepcnn \(sepCNNVersion).")
        try page.write(to: URL(fileURLWithPath: path))
        printNote("report written to \(path)")
    }
}

extension Bench {
    func writeReport(to path: String, results: [BenchmarkResult], networks: Set<String>) throws {
        let page = ReportPage(title: "Benchmark", subtitle: "sepcnn bench: \(results.count) record\(results.count == 1 ? "" : "s")"
                                + (profile ? ", with the steps of each network's plan" : ""),
                              sections: ReportSection.benchmark(results, networks: networks), footer: "Written by sepcnn \(sepCNNVersion).")
        try page.write(to: URL(fileURLWithPath: path))
        printNote("report written to \(path)")
    }
}

extension Compress {
    func writeReport(to path: String, _ stages: [CompressionStageResult], baseline: Model, teacher: String, data: DataSource) throws {
        let epochs = options.epochs ?? TrainingRunOptions.defaultEpochs, threads = ThreadPool.shared.threads
        let setup = ReportSection(heading: "How", blocks: [.facts([
            ("model", "\(baseline.name), from \(model)"),
            ("pruning", targetMacs.map { "to at most \(format($0 * 100, 0)) % of the MACs (l1, local, counts rounded to multiples of \(ChannelPruner.defaultRoundTo)), BatchNorm recalibrated" } ?? "none"),
            ("fine-tuning", "\(epochs) epoch\(epochs == 1 ? "" : "s") of distillation from \(teacher) on \(data.description)"),
            ("int8", int8 ? "quantized, calibrated on 500 training images, scored and timed through the int8 plan" : "no"),
            ("measured", "test accuracy on \(grouped(stages.first?.testImages ?? 0)) test images; latency the median of 30 batch-1 runs after 5 warm-up runs, "
                + "\(threads) thread\(threads == 1 ? "" : "s")"),
            ("saved to", stages.last?.file ?? ""),
        ])])
        let page = ReportPage(title: "Compressing \(baseline.name)", subtitle: "sepcnn compress: " + stages.map(\.stage.rawValue).joined(separator: " → "),
                              sections: [.compressionStages(stages.map(\.figures)), setup], footer: "Written by sepcnn \(sepCNNVersion).")
        try page.write(to: URL(fileURLWithPath: path))
        printNote("report written to \(path)")
    }
}

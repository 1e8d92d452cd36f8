import Foundation

/// A run's figures as they were recorded: the epochs from the trainer's history (which a checkpoint
/// keeps, so a resumed run has them all) and the samples taken every few batches — the records
/// `sepcnn train --log` writes (`Trainer.BatchReport`'s running means of the epoch so far).
public struct TrainingCurves: Sendable, Equatable {
    public struct BatchSample: Codable, Sendable, Equatable {
        /// The epoch, from 1, and the batches done in it of `batches`.
        public var epoch: Int, batch: Int, batches: Int
        /// Mean loss and accuracy (0…1) of the epoch so far.
        public var loss: Double, accuracy: Double
        public init(epoch: Int, batch: Int, batches: Int, loss: Double, accuracy: Double) {
            self.epoch = epoch
            self.batch = batch
            self.batches = batches
            self.loss = loss
            self.accuracy = accuracy
        }

        /// Where the sample falls in epochs: 2.5 is half way through the third epoch.
        var progress: Double { Double(epoch - 1) + Double(batch) / Double(max(batches, 1)) }
    }

    public var epochs: [EpochRecord]
    /// In order, one per (epoch, batch): a resumed run repeats the batches after its last checkpoint
    /// with the same results, and the later sample of a repeated batch is kept.
    public var batches: [BatchSample]
    /// What the training loss is when it is not the validation's plain cross-entropy ("the distillation
    /// loss …"); nil for cross-entropy. The loss chart then says the two are on different scales.
    public var trainingLoss: String?

    public init(epochs: [EpochRecord], batches: [BatchSample] = [], trainingLoss: String? = nil) {
        self.epochs = epochs
        self.trainingLoss = trainingLoss
        var latest: [Int: BatchSample] = [:], order: [Int] = []
        for sample in batches {
            let key = sample.epoch &* (1 << 24) &+ sample.batch
            if latest.updateValue(sample, forKey: key) == nil { order.append(key) }
        }
        self.batches = order.sorted().compactMap { latest[$0] }
    }

    /// "every 50 batches" in the legend when the interval is known.
    func batchSeriesName(_ interval: Int?) -> String {
        "training, every \(interval.map { "\($0) batches" } ?? "few batches") (mean of the epoch so far)"
    }

    public func lossChart(batchInterval: Int? = nil) -> LineChart {
        var series = [LineChart.Series]()
        if !batches.isEmpty {
            series.append(.init(name: batchSeriesName(batchInterval), points: batches.map { ChartPoint($0.progress, $0.loss) }))
        }
        series.append(.init(name: "training (epoch mean)", points: epochs.map { ChartPoint(Double($0.epoch), $0.loss) }, showsMarkers: true))
        if epochs.contains(where: { $0.validationLoss != nil }) {
            series.append(.init(name: "validation (after the epoch)", points: epochs.map { ChartPoint(Double($0.epoch), $0.validationLoss ?? .nan) },
                                showsMarkers: true))
        }
        return LineChart(title: "Loss", xLabel: "epoch", yLabel: trainingLoss == nil ? "cross-entropy loss (nats)" : "loss (nats)",
                         series: series, integerXTicks: true)
    }

    public func accuracyChart(batchInterval: Int? = nil) -> LineChart {
        var series = [LineChart.Series]()
        if !batches.isEmpty {
            series.append(.init(name: batchSeriesName(batchInterval), points: batches.map { ChartPoint($0.progress, $0.accuracy * 100) }))
        }
        series.append(.init(name: "training (epoch mean)", points: epochs.map { ChartPoint(Double($0.epoch), $0.accuracy * 100) },
                            showsMarkers: true))
        if epochs.contains(where: { $0.validationAccuracy != nil }) {
            series.append(.init(name: "validation (after the epoch)",
                                points: epochs.map { ChartPoint(Double($0.epoch), ($0.validationAccuracy ?? .nan) * 100) }, showsMarkers: true))
        }
        return LineChart(title: "Accuracy", xLabel: "epoch", yLabel: "accuracy (%)", series: series, integerXTicks: true)
    }
}

extension ReportSection {
    /// Loss and accuracy per epoch and every `batchInterval` batches, validation too, and a table of the epochs.
    public static func trainingCurves(_ curves: TrainingCurves, batchInterval: Int? = nil) -> ReportSection {
        var section = ReportSection(heading: "Training curves")
        if curves.epochs.isEmpty && curves.batches.isEmpty {
            section.blocks.append(.paragraph("No epoch or batch was recorded."))
            return section
        }
        section.blocks.append(.chart(curves.lossChart(batchInterval: batchInterval),
                                     caption: "Lower is better. Samples within an epoch are the running mean since the epoch began, so each epoch starts afresh."
                                        + (curves.trainingLoss.map { " Training minimises \($0); validation is plain cross-entropy, on another scale." } ?? "")))
        section.blocks.append(.chart(curves.accuracyChart(batchInterval: batchInterval),
                                     caption: "Higher is better. Validation is measured on the held-out images after each epoch, in inference mode."))
        let rows = curves.epochs.map { e in
            ["\(e.epoch)", ReportFormat.fixed(e.loss, 4), ReportFormat.percent(e.accuracy), e.validationLoss.map { ReportFormat.fixed($0, 4) } ?? "—",
             e.validationAccuracy.map(ReportFormat.percent) ?? "—", ReportFormat.fixed(e.seconds, 1) + " s", ChartNumberFormat.integer.string(e.imagesPerSecond)]
        }
        section.blocks.append(.table(header: ["epoch", "loss", "accuracy", "validation loss", "validation accuracy", "time", "images/s"], rows: rows))
        return section
    }

    /// Parameters and multiply-accumulates of every layer that has either (activations and pooling left out).
    public static func layerCosts(_ summary: ModelSummary) -> ReportSection {
        let layers = summary.layers.filter { $0.parameters > 0 || $0.macs > 0 }
        var section = ReportSection(heading: "Per layer: parameters and multiply-accumulates")
        section.blocks.append(.paragraph("\(summary.model): \(grouped(summary.totalParameters)) parameters (\(grouped(summary.trainableParameters)) trainable), "
                                         + "\(grouped(summary.macs)) multiply-accumulates per image, input \(summary.inputShape.map(String.init).joined(separator: "×"))."))
        let names = layers.map { "\($0.name) (\($0.type))" }
        section.blocks.append(.chart(BarChart(title: "Parameters per layer", categories: names,
                                              series: [.init(name: "parameters (BatchNorm statistics included)", values: layers.map { Double($0.parameters) })],
                                              valueLabel: "parameters", format: .integer), caption: nil))
        section.blocks.append(.chart(BarChart(title: "Multiply-accumulates per layer", categories: names,
                                              series: [.init(name: "MACs for one image", values: layers.map { Double($0.macs) })],
                                              valueLabel: "multiply-accumulates per image", format: .compact),
                                     caption: "Convolutions and dense layers only, as Keras and torchinfo count them."))
        return section
    }

    /// The confusion matrix of an evaluation, `data` saying on what ("the 2,000 test images").
    public static func confusion(_ evaluation: Evaluation, classNames: [String]?, on data: String) -> ReportSection {
        var section = ReportSection(heading: "Confusion matrix")
        section.blocks.append(.paragraph("Accuracy \(ReportFormat.percent(evaluation.accuracy)), mean loss \(ReportFormat.fixed(evaluation.loss, 4)), on \(data)."))
        guard evaluation.classes <= ConfusionMatrixChart.maximumClasses else {
            section.blocks.append(.paragraph("\(evaluation.classes) classes are too many to draw as a matrix (at most \(ConfusionMatrixChart.maximumClasses)); "
                                             + "'sepcnn eval --json' gives it as numbers."))
            return section
        }
        let names = (0..<evaluation.classes).map { i in classNames.flatMap { i < $0.count ? $0[i] : nil } ?? "class \(i)" }
        section.blocks.append(.chart(ConfusionMatrixChart(title: "Confusion matrix", classNames: names, counts: evaluation.confusion),
                                     caption: "Rows are the true classes, columns the predicted ones; the diagonal holds the correct predictions."))
        return section
    }
}

extension ReportPage {
    /// The page `sepcnn train --report` writes, for any run of the `Trainer` (`distill` too):
    /// `facts` first, then the curves, the final evaluation when there was one, the per-layer costs
    /// and, when measured, the time of each step of the trained model's plan.
    public static func training(title: String, subtitle: String?, facts: [(String, String)], curves: TrainingCurves, batchInterval: Int?,
                                summary: ModelSummary, evaluation: (result: Evaluation, data: String)?, classNames: [String]?,
                                stepTimes: [ProfiledStep]? = nil) -> ReportPage {
        var sections = [ReportSection(heading: "Summary", blocks: [.facts(facts)]), .trainingCurves(curves, batchInterval: batchInterval)]
        if let evaluation { sections.append(.confusion(evaluation.result, classNames: classNames, on: evaluation.data)) }
        sections.append(.layerCosts(summary))
        if let stepTimes { sections.append(.stepTimes(stepTimes, of: "\(summary.model), batch 1")) }
        return ReportPage(title: title, subtitle: subtitle, sections: sections, footer: "Written by sepcnn \(sepCNNVersion).")
    }
}

/// The few number formats report tables use; "n/a" for a value that is not finite.
enum ReportFormat {
    static func percent(_ fraction: Double) -> String { fraction.isFinite ? String(format: "%.2f %%", fraction * 100) : "n/a" }
    static func fixed(_ value: Double, _ decimals: Int) -> String { value.isFinite ? String(format: "%.\(decimals)f", value) : "n/a" }
}

import Foundation

/// One stage of a compression pipeline as a report shows it (baseline, pruned, distilled,
/// quantized): any figure not measured is nil.
public struct CompressionStageFigures: Sendable, Equatable {
    public var stage: String
    /// Test accuracy, 0…1.
    public var accuracy: Double?
    /// Median batch-1 inference time, in microseconds.
    public var latencyMicroseconds: Double?
    public var parameters: Int?
    public var fileBytes: Int?
    public var macs: Int?

    public init(stage: String, accuracy: Double? = nil, latencyMicroseconds: Double? = nil, parameters: Int? = nil,
                fileBytes: Int? = nil, macs: Int? = nil) {
        self.stage = stage
        self.accuracy = accuracy
        self.latencyMicroseconds = latencyMicroseconds
        self.parameters = parameters
        self.fileBytes = fileBytes
        self.macs = macs
    }
}

extension ReportSection {
    /// Accuracy against latency for each stage (up and to the left is better), joined in order,
    /// with a table of every figure.
    public static func compressionStages(_ stages: [CompressionStageFigures], heading: String = "Accuracy against latency, stage by stage") -> ReportSection {
        let unit = DurationUnit.suited(toMicroseconds: stages.compactMap(\.latencyMicroseconds).max() ?? 0)
        let points = stages.map {
            ScatterChart.Point(label: $0.stage, x: ($0.latencyMicroseconds ?? .nan) / unit.microseconds, y: ($0.accuracy ?? .nan) * 100)
        }
        let chart = ScatterChart(title: "Accuracy against latency", xLabel: "median inference time, batch 1 (\(unit.symbol))",
                                 yLabel: "test accuracy (%)", points: points, connected: true)
        let rows = stages.map { s in
            [s.stage, s.accuracy.map(ReportFormat.percent) ?? "—",
             s.latencyMicroseconds.map(DurationUnit.text(microseconds:)) ?? "—",
             s.parameters.map(grouped) ?? "—", s.fileBytes.map(formattedFileSize) ?? "—",
             s.macs.map(grouped) ?? "—"]
        }
        return ReportSection(heading: heading, blocks: [
            .chart(chart, caption: "Up and to the left is better: more accurate and faster. The dashed line follows the stages in order."),
            .table(header: ["stage", "test accuracy", "latency", "parameters", "file size", "MACs"], rows: rows),
        ])
    }

    /// What `sepcnn prune` changed: channels and multiply-accumulates per layer before and after,
    /// the measured time before and after, and the accuracy at each stage that was measured.
    public static func pruning(_ report: PruningReport, microseconds: (before: Double, after: Double),
                               accuracies: [(stage: String, accuracy: Double?)]) -> [ReportSection] {
        let ratio = { (a: Double, b: Double) in b > 0 ? ReportFormat.fixed(a / b, 2) + "×" : "—" }
        let unit = DurationUnit.suited(toMicroseconds: max(microseconds.before, microseconds.after))
        let time = { (value: Double) in ReportFormat.fixed(value / unit.microseconds, 3) + " " + unit.symbol }
        let totals = ReportSection(heading: "Before and after", blocks: [
            .table(header: ["", "before", "after", "reduction"], rows: [
                ["parameters", grouped(report.parametersBefore), grouped(report.parametersAfter),
                 ratio(Double(report.parametersBefore), Double(report.parametersAfter))],
                ["MACs per image", grouped(report.macsBefore), grouped(report.macsAfter), ratio(Double(report.macsBefore), Double(report.macsAfter))],
                ["time (InferencePlan, batch 1)", time(microseconds.before), time(microseconds.after), ratio(microseconds.before, microseconds.after)],
            ]),
            .chart(BarChart(title: "Measured time, before and after pruning", categories: ["before pruning", "after pruning"],
                            series: [.init(name: "median time, batch 1", values: [microseconds.before / unit.microseconds,
                                                                                   microseconds.after / unit.microseconds])],
                            valueLabel: "median inference time, batch 1 (\(unit.symbol))", format: .fixed(3)), caption: nil),
        ])
        var stages = ReportSection(heading: "Accuracy at each stage")
        let measured = accuracies.compactMap { s in s.accuracy.map { (s.stage, $0) } }
        if measured.isEmpty {
            stages.blocks.append(.paragraph("No accuracy was measured: the model takes no data this run had."))
        } else {
            stages.blocks.append(.chart(BarChart(title: "Validation accuracy at each stage", categories: measured.map(\.0),
                                                 series: [.init(name: "validation accuracy", values: measured.map { $0.1 * 100 })],
                                                 valueLabel: "validation accuracy (%)", format: .fixed(2)), caption: nil))
        }
        let names = report.rows.map { "\($0.path) (\($0.type))" }
        let layers = ReportSection(heading: "Per layer", blocks: [
            .chart(BarChart(title: "Output channels per layer", categories: names,
                            series: [.init(name: "before pruning", values: report.rows.map { Double($0.channelsBefore) }),
                                     .init(name: "after pruning", values: report.rows.map { Double($0.channelsAfter) })],
                            valueLabel: "output channels", format: .integer), caption: nil),
            .chart(BarChart(title: "Multiply-accumulates per layer", categories: names,
                            series: [.init(name: "before pruning", values: report.rows.map { Double($0.macsBefore) }),
                                     .init(name: "after pruning", values: report.rows.map { Double($0.macsAfter) })],
                            valueLabel: "multiply-accumulates per image", format: .compact), caption: nil),
        ])
        return [totals, stages, layers]
    }
}

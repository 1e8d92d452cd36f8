import Foundation

extension ReportSection {
    /// `sepcnn bench`'s records: the median time of each (single layers and whole networks in
    /// separate charts, whose times differ a thousandfold), a table of every figure, and for each
    /// record with a profile the median time of every step of its plan.
    public static func benchmark(_ results: [BenchmarkResult], networks: Set<String> = []) -> [ReportSection] {
        var timing = ReportSection(heading: "Measured time per record")
        if let first = results.first {
            timing.blocks.append(.paragraph("Median of repeated runs after a warm-up, \(first.threads) thread\(first.threads == 1 ? "" : "s"); "
                                            + "% of peak is of \(ReportFormat.fixed(first.peakGFLOPS, 1)) GFLOP/s (\(first.peakBasis))."))
        } else {
            timing.blocks.append(.paragraph("No record was timed."))
        }
        let layers = results.filter { !networks.contains($0.name) }, whole = results.filter { networks.contains($0.name) }
        for (group, title) in [(layers, "Single layers"), (whole, "Networks")] where !group.isEmpty {
            let label = layers.isEmpty || whole.isEmpty ? "Median time per record" : "\(title): median time"
            timing.blocks.append(.chart(timeChart(title: label, names: group.map(\.name), microseconds: group.map(\.medianMicroseconds),
                                                  seriesName: "median of repeated runs"), caption: nil))
        }
        let rows = results.map { r in
            [r.name, "\(r.threads)", DurationUnit.text(microseconds: r.medianMicroseconds), DurationUnit.text(microseconds: r.minimumMicroseconds),
             "\(r.repetitions)", ReportFormat.fixed(r.gflops, 1), ReportFormat.fixed(r.percentOfPeak, 1) + " %"]
        }
        if !rows.isEmpty {
            timing.blocks.append(.table(header: ["record", "threads", "median", "fastest", "runs", "GFLOP/s", "% of peak"], rows: rows))
        }
        var sections = [timing]
        for result in results {
            guard let steps = result.profile else { continue }
            sections.append(.stepTimes(steps, of: result.name, wholeRun: result.medianMicroseconds))
        }
        return sections
    }

    /// The median time of every step of a plan (`InferencePlan.profile`), in the order they run.
    public static func stepTimes(_ steps: [ProfiledStep], of name: String, wholeRun: Double? = nil) -> ReportSection {
        let total = steps.reduce(0) { $0 + $1.medianMicroseconds }
        var section = ReportSection(heading: "Profile of \(name)")
        section.blocks.append(.paragraph("The median time of every step of the plan, in the order they run; the medians add up to "
                                         + "\(DurationUnit.text(microseconds: total))"
                                         + (wholeRun.map { ", against \(DurationUnit.text(microseconds: $0)) for the whole run." } ?? ".")))
        section.blocks.append(.chart(timeChart(title: "\(name): median time per step", names: steps.map(\.step),
                                               microseconds: steps.map(\.medianMicroseconds), seriesName: "median time of the step"), caption: nil))
        return section
    }

    /// Bars of durations in the unit that suits the largest (µs, ms or s).
    static func timeChart(title: String, names: [String], microseconds: [Double], seriesName: String) -> BarChart {
        let unit = DurationUnit.suited(toMicroseconds: microseconds.filter(\.isFinite).max() ?? 0)
        return BarChart(title: title, categories: names, series: [.init(name: seriesName, values: microseconds.map { $0 / unit.microseconds })],
                        valueLabel: "median time (\(unit.symbol))", format: .compact)
    }
}

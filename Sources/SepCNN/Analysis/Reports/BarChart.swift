import Foundation

/// Horizontal bars, one row per category (a layer, a benchmark record, a plan step), one bar per
/// series in each row (before and after pruning), each bar labelled with its value. Long names are
/// shortened with an ellipsis and shown whole on hover. The chart grows in height with its rows.
public struct BarChart: ReportChart {
    public struct Series: Sendable, Equatable {
        public var name: String
        /// One value per category; NaN for none (no bar, "n/a").
        public var values: [Double]
        public init(name: String, values: [Double]) {
            self.name = name
            self.values = values
        }
    }

    public var title: String
    public var categories: [String]
    public var series: [Series]
    /// The value axis's title with its unit: "MACs per image", "median time (ms)".
    public var valueLabel: String
    public var format: ChartNumberFormat
    public var width: Double

    /// Characters of a category name shown before it is shortened.
    public static let maximumLabelCharacters = 44

    public init(title: String, categories: [String], series: [Series], valueLabel: String, format: ChartNumberFormat = .compact,
                width: Double = 880) {
        self.title = title
        self.categories = categories
        self.series = series
        self.valueLabel = valueLabel
        self.format = format
        self.width = width
    }

    public func svg() -> String {
        let margin = 18.0
        let barHeight = series.count > 1 ? 13.0 : 17.0, gap = 9.0
        let rowHeight = Double(max(series.count, 1)) * barHeight + gap
        let legendWidth = width - 2 * margin
        var canvas = SVGCanvas(width: width, height: 0)
        canvas.text(title, x: margin, y: 26, size: ChartStyle.titleFontSize, weight: "bold")
        let entries = series.enumerated().map { ChartStyle.LegendEntry(label: $1.name, look: ChartStyle.look($0), kind: .box) }
        let legendHeight = ChartStyle.drawLegend(entries, x: margin, y: 36, maximumWidth: legendWidth, on: &canvas)
        let labels = categories.map { ChartStyle.shortened($0, to: Self.maximumLabelCharacters) }
        let labelWidth = labels.map { ChartStyle.textWidth($0, size: ChartStyle.tickFontSize) }.max() ?? 0
        let values = series.flatMap(\.values)
        let axis = ChartAxis(covering: values, including: [0], tickCount: 6)
        let valueTextWidth = values.map { ChartStyle.textWidth(format.string($0), size: ChartStyle.tickFontSize) }.max() ?? 0
        // Tick labels above the bars as well as below once the chart is too tall to see both ends at once.
        let ticksAbove = categories.count > 12
        let top = 36 + legendHeight + (ticksAbove ? 34 : 12)
        let plot = PlotArea(left: margin + labelWidth + 12, top: top, right: width - margin - valueTextWidth - 10,
                            bottom: top + Double(categories.count) * rowHeight + (categories.isEmpty ? 40 : 0))
        canvas.height = plot.bottom + 58

        canvas.open("g", [("class", "axes")])
        for (row, _) in categories.enumerated() where row % 2 == 1 {
            canvas.rect(x: margin, y: plot.top + Double(row) * rowHeight, width: width - 2 * margin, height: rowHeight, fill: "#f4f4f4")
        }
        for tick in axis.ticks {
            let px = plot.x(tick, axis), text = axis.label(tick)
            canvas.line(px, plot.top, px, plot.bottom, stroke: tick == 0 ? ChartStyle.axisColor : ChartStyle.gridColor, width: tick == 0 ? 1.2 : 1)
            canvas.text(text, x: px, y: plot.bottom + 20, anchor: .middle)
            if ticksAbove { canvas.text(text, x: px, y: plot.top - 9, anchor: .middle) }
        }
        canvas.line(plot.left, plot.bottom, plot.right, plot.bottom, stroke: ChartStyle.axisColor, width: 1.2)
        canvas.text(valueLabel, x: (plot.left + plot.right) / 2, y: plot.bottom + 45, size: ChartStyle.labelFontSize, anchor: .middle)
        for (row, label) in labels.enumerated() {
            let y = plot.top + Double(row) * rowHeight + rowHeight / 2 + 4.5
            canvas.text(label, x: plot.left - 8, y: y, anchor: .end, title: label == categories[row] ? nil : categories[row])
        }
        canvas.close("g")
        if categories.isEmpty {
            canvas.text("no data", x: (plot.left + plot.right) / 2, y: plot.top + 24, size: ChartStyle.labelFontSize, anchor: .middle,
                        fill: ChartStyle.mutedTextColor)
        }

        let zero = plot.x(0, axis)
        for (index, s) in series.enumerated() {
            let look = ChartStyle.look(index)
            let shown = s.values.prefix(categories.count)
            canvas.open("g", [("class", "series"), ("data-series", s.name), ("data-points", String(shown.filter(\.isFinite).count))])
            for (row, value) in shown.enumerated() {
                let y = plot.top + Double(row) * rowHeight + gap / 2 + Double(index) * barHeight
                let text = format.string(value)
                guard value.isFinite else {
                    canvas.text(text, x: zero + 5, y: y + barHeight - 3.5, fill: ChartStyle.mutedTextColor)
                    continue
                }
                let end = plot.x(value, axis)
                canvas.rect(x: min(zero, end), y: y + 1, width: abs(end - zero), height: barHeight - 2, fill: look.fill, stroke: look.color,
                            extra: [("class", "bar")], title: "\(categories[row]) — \(s.name): \(text)")
                canvas.text(text, x: value < 0 ? end - 5 : end + 5, y: y + barHeight - 3.5, anchor: value < 0 ? .end : .start)
            }
            canvas.close("g")
        }
        return canvas.document(title: title, description: "Bar chart: \(valueLabel) for each of \(categories.count) rows")
    }
}

import Foundation

/// Labelled points on two axes — compression stages by latency and accuracy — each point with its
/// own marker shape and colour and its name beside it, optionally joined in order by a thin line
/// (the path a model takes through the stages). Labels that would overlap are moved apart.
public struct ScatterChart: ReportChart {
    public struct Point: Sendable, Equatable {
        public var label: String
        public var x: Double, y: Double
        public init(label: String, x: Double, y: Double) {
            self.label = label
            self.x = x
            self.y = y
        }
    }

    public var title: String
    public var xLabel: String, yLabel: String
    public var points: [Point]
    /// Join the points in order with a thin line.
    public var connected: Bool
    public var width: Double, height: Double

    public init(title: String, xLabel: String, yLabel: String, points: [Point], connected: Bool = false,
                width: Double = 880, height: Double = 440) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.points = points
        self.connected = connected
        self.width = width
        self.height = height
    }

    public func svg() -> String {
        var canvas = SVGCanvas(width: width, height: height)
        let margin = 18.0
        canvas.text(title, x: margin, y: 26, size: ChartStyle.titleFontSize, weight: "bold")
        let entries = points.enumerated().map { index, p in
            ChartStyle.LegendEntry(label: p.label + (p.x.isFinite && p.y.isFinite ? "" : " (not measured, not drawn)"),
                                   look: ChartStyle.look(index), kind: .marker)
        }
        let legendHeight = ChartStyle.drawLegend(entries, x: margin, y: 36, maximumWidth: width - 2 * margin, on: &canvas)
        let drawn = points.enumerated().filter { $0.element.x.isFinite && $0.element.y.isFinite }
        // Axes padded a little past the points so markers and labels at the extremes stay inside.
        let xs = drawn.map(\.element.x), ys = drawn.map(\.element.y)
        func padded(_ values: [Double]) -> [Double] {
            guard let low = values.min(), let high = values.max() else { return [] }
            let pad = (high - low) * 0.08
            return [low - pad, high + pad]
        }
        let xAxis = ChartAxis(covering: padded(xs), tickCount: 7), yAxis = ChartAxis(covering: padded(ys), tickCount: 6)
        let tickWidth = yAxis.ticks.map { ChartStyle.textWidth(yAxis.label($0), size: ChartStyle.tickFontSize) }.max() ?? 0
        let plot = PlotArea(left: margin + 22 + tickWidth + 10, top: 36 + legendHeight + 16, right: width - 28, bottom: height - 58)
        plot.drawAxes(x: xAxis, y: yAxis, xLabel: xLabel, yLabel: yLabel, on: &canvas)
        if drawn.isEmpty {
            canvas.text("no data", x: (plot.left + plot.right) / 2, y: (plot.top + plot.bottom) / 2, size: ChartStyle.labelFontSize,
                        anchor: .middle, fill: ChartStyle.mutedTextColor)
        }
        let positions = drawn.map { (index: $0.offset, point: $0.element, x: plot.x($0.element.x, xAxis), y: plot.y($0.element.y, yAxis)) }
        if connected && positions.count > 1 {
            let d = positions.enumerated().map { ($0.offset == 0 ? "M" : "L") + SVGCanvas.number($0.element.x) + " " + SVGCanvas.number($0.element.y) }
            canvas.element("path", [("d", d.joined()), ("fill", "none"), ("stroke", "#8c8c8c"), ("stroke-width", "1.5"), ("stroke-dasharray", "4 4")])
        }
        canvas.open("g", [("class", "series"), ("data-series", "points"), ("data-points", String(positions.count))])
        var placed: [(x: Double, y: Double, w: Double, h: Double)] = []
        for p in positions {
            let look = ChartStyle.look(p.index)
            ChartStyle.drawMarker(look.marker, x: p.x, y: p.y, size: 13, color: look.color, on: &canvas,
                                  title: "\(p.point.label): \(xAxis.label(p.point.x)), \(yAxis.label(p.point.y))")
            let label = ChartStyle.shortened(p.point.label, to: 40)
            let w = ChartStyle.textWidth(label, size: ChartStyle.labelFontSize), h = 18.0
            // Right of the point, else left; then stepped down and up until it meets no earlier label.
            let toLeft = p.x + 12 + w > plot.right
            let x = toLeft ? p.x - 12 - w : p.x + 12
            var y = p.y - h / 2
            for offset in [0.0, 18, -18, 36, -36, 54, -54] {
                let candidate = p.y - h / 2 + offset
                if !placed.contains(where: { x < $0.x + $0.w && $0.x < x + w && candidate < $0.y + $0.h && $0.y < candidate + h }) {
                    y = candidate
                    break
                }
            }
            placed.append((x, y, w, h))
            canvas.text(label, x: x, y: y + 13, size: ChartStyle.labelFontSize, weight: "bold", title: label == p.point.label ? nil : p.point.label)
        }
        canvas.close("g")
        return canvas.document(title: title, description: "Scatter chart: \(yLabel) against \(xLabel)")
    }
}

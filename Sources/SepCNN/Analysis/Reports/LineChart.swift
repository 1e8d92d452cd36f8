import Foundation

/// Anything a report page can show as a figure: a standalone SVG document.
public protocol ReportChart: Sendable {
    var title: String { get }
    func svg() -> String
}

/// A point of a line or scatter chart.
public struct ChartPoint: Sendable, Equatable {
    public var x: Double
    public var y: Double
    public init(_ x: Double, _ y: Double) {
        self.x = x
        self.y = y
    }
}

/// Lines over a shared x axis, with labelled axes, ticks, a grid and a legend. Each series's
/// group carries `data-series` (its name) and `data-points` (the points drawn), so tests and
/// scripts can read a chart back.
public struct LineChart: ReportChart {
    public struct Series: Sendable, Equatable {
        public var name: String
        public var points: [ChartPoint]
        /// Markers on every point; nil: only when the series is short enough (≤ 40 points) for them to be told apart.
        public var showsMarkers: Bool?
        public init(name: String, points: [ChartPoint], showsMarkers: Bool? = nil) {
            self.name = name
            self.points = points
            self.showsMarkers = showsMarkers
        }
    }

    public var title: String
    /// The axes' titles, each with its unit: "epoch", "loss (cross-entropy, nats)".
    public var xLabel: String, yLabel: String
    public var series: [Series]
    /// Ticks of the x axis on whole numbers only (epochs).
    public var integerXTicks: Bool
    public var width: Double, height: Double

    /// A series longer than this is thinned to evenly spaced points (its last kept) so a page of
    /// a long run stays small; `data-points` says how many were drawn.
    public static let maximumPointsDrawn = 2_000

    public init(title: String, xLabel: String, yLabel: String, series: [Series], integerXTicks: Bool = false,
                width: Double = 880, height: Double = 400) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.integerXTicks = integerXTicks
        self.width = width
        self.height = height
    }

    /// The points of `series` that are drawn: finite ones, thinned past `maximumPointsDrawn`.
    static func drawable(_ points: [ChartPoint]) -> [ChartPoint] {
        let finite = points.filter { $0.x.isFinite && $0.y.isFinite }
        guard finite.count > maximumPointsDrawn else { return finite }
        let stride = Double(finite.count - 1) / Double(maximumPointsDrawn - 1)
        return (0..<maximumPointsDrawn).map { finite[min(Int((Double($0) * stride).rounded()), finite.count - 1)] }
    }

    public func svg() -> String {
        var canvas = SVGCanvas(width: width, height: height)
        let margin = 18.0
        canvas.text(title, x: margin, y: 26, size: ChartStyle.titleFontSize, weight: "bold")
        let entries = series.enumerated().map { index, s in
            let skipped = s.points.count - s.points.filter { $0.x.isFinite && $0.y.isFinite }.count
            let note = s.points.isEmpty ? " (no data)" : skipped > 0 ? " (\(skipped) not finite, not drawn)" : ""
            return ChartStyle.LegendEntry(label: s.name + note, look: ChartStyle.look(index), kind: .line(marker: showsMarkers(s)))
        }
        let legendHeight = ChartStyle.drawLegend(entries, x: margin, y: 36, maximumWidth: width - 2 * margin, on: &canvas)
        let drawn = series.map { Self.drawable($0.points) }
        let xAxis = ChartAxis(covering: drawn.flatMap { $0.map(\.x) }, tickCount: 8, integerSteps: integerXTicks)
        let yAxis = ChartAxis(covering: drawn.flatMap { $0.map(\.y) }, tickCount: 6)
        let tickWidth = yAxis.ticks.map { ChartStyle.textWidth(yAxis.label($0), size: ChartStyle.tickFontSize) }.max() ?? 0
        let plot = PlotArea(left: margin + 22 + tickWidth + 10, top: 36 + legendHeight + 16, right: width - 28, bottom: height - 58)
        plot.drawAxes(x: xAxis, y: yAxis, xLabel: xLabel, yLabel: yLabel, on: &canvas)
        if drawn.allSatisfy(\.isEmpty) {
            canvas.text("no data", x: (plot.left + plot.right) / 2, y: (plot.top + plot.bottom) / 2, size: ChartStyle.labelFontSize,
                        anchor: .middle, fill: ChartStyle.mutedTextColor)
        }
        for (index, s) in series.enumerated() {
            let look = ChartStyle.look(index), points = drawn[index]
            canvas.open("g", [("class", "series"), ("data-series", s.name), ("data-points", String(points.count))])
            // A gap where values were not finite: the line is broken there rather than bridged.
            var path = "", previousDrawn = false
            if s.points.count <= Self.maximumPointsDrawn {
                for p in s.points {
                    guard p.x.isFinite && p.y.isFinite else { previousDrawn = false; continue }
                    path += (previousDrawn ? "L" : "M") + plot.point(p, x: xAxis, y: yAxis)
                    previousDrawn = true
                }
            } else {
                for (i, p) in points.enumerated() { path += (i == 0 ? "M" : "L") + plot.point(p, x: xAxis, y: yAxis) }
            }
            if !path.isEmpty {
                canvas.element("path", [("d", path), ("fill", "none"), ("stroke", look.color), ("stroke-width", "2.5"),
                                        ("stroke-dasharray", look.dash), ("stroke-linejoin", "round"), ("stroke-linecap", "round")])
            }
            if showsMarkers(s) {
                for p in points {
                    ChartStyle.drawMarker(look.marker, x: plot.x(p.x, xAxis), y: plot.y(p.y, yAxis), size: 9, color: look.color, on: &canvas,
                                          title: "\(s.name): \(xAxis.label(p.x)), \(ChartNumberFormat.compact.string(p.y))")
                }
            }
            canvas.close("g")
        }
        return canvas.document(title: title, description: "Line chart: \(yLabel) against \(xLabel)")
    }

    private func showsMarkers(_ s: Series) -> Bool { s.showsMarkers ?? (s.points.count <= 40) }
}

/// The rectangle data is drawn in, and the axes around it.
struct PlotArea {
    var left: Double, top: Double, right: Double, bottom: Double

    func x(_ value: Double, _ axis: ChartAxis) -> Double { axis.position(value, from: left, to: right) }
    func y(_ value: Double, _ axis: ChartAxis) -> Double { axis.position(value, from: bottom, to: top) }
    func point(_ p: ChartPoint, x xAxis: ChartAxis, y yAxis: ChartAxis) -> String {
        SVGCanvas.number(x(p.x, xAxis)) + " " + SVGCanvas.number(y(p.y, yAxis))
    }

    /// Grid, axis lines, ticks with labels, and each axis's title (the y one turned upright).
    func drawAxes(x xAxis: ChartAxis, y yAxis: ChartAxis, xLabel: String, yLabel: String,
                  xFormat: ChartNumberFormat? = nil, yFormat: ChartNumberFormat? = nil, on canvas: inout SVGCanvas) {
        canvas.open("g", [("class", "axes")])
        for tick in yAxis.ticks {
            let py = y(tick, yAxis)
            canvas.line(left, py, right, py, stroke: ChartStyle.gridColor)
            canvas.line(left - 5, py, left, py, stroke: ChartStyle.axisColor)
            canvas.text(yAxis.label(tick, format: yFormat), x: left - 9, y: py + 4.5, anchor: .end)
        }
        var lastLabelEnd = -Double.infinity
        for tick in xAxis.ticks {
            let px = x(tick, xAxis)
            canvas.line(px, top, px, bottom, stroke: ChartStyle.gridColor)
            canvas.line(px, bottom, px, bottom + 5, stroke: ChartStyle.axisColor)
            // A label that would run into the previous one is left out (its grid line stays).
            let label = xAxis.label(tick, format: xFormat), half = ChartStyle.textWidth(label, size: ChartStyle.tickFontSize) / 2
            guard px - half > lastLabelEnd + 6 else { continue }
            canvas.text(label, x: px, y: bottom + 21, anchor: .middle)
            lastLabelEnd = px + half
        }
        canvas.line(left, bottom, right, bottom, stroke: ChartStyle.axisColor, width: 1.2)
        canvas.line(left, top, left, bottom, stroke: ChartStyle.axisColor, width: 1.2)
        canvas.text(xLabel, x: (left + right) / 2, y: bottom + 46, size: ChartStyle.labelFontSize, anchor: .middle)
        canvas.text(yLabel, x: 22, y: (top + bottom) / 2, size: ChartStyle.labelFontSize, anchor: .middle, rotate: -90)
        canvas.close("g")
    }
}

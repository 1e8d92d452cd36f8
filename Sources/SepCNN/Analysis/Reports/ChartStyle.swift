import Foundation

/// The look every chart shares. Series differ in three ways at once — hue, lightness and dash
/// pattern or marker shape — so a chart printed in gray, or seen by a reader who does not tell red
/// from green, still tells them apart.
enum ChartStyle {
    /// The system's interface font, then fonts Linux has; nothing is fetched.
    static let fontFamily = "system-ui, -apple-system, Segoe UI, Roboto, Helvetica Neue, DejaVu Sans, Liberation Sans, Arial, sans-serif"
    static let titleFontSize = 17.0
    static let labelFontSize = 14.0
    static let tickFontSize = 13.0
    static let textColor = "#1a1a1a"
    static let axisColor = "#4d4d4d"
    static let gridColor = "#e2e2e2"
    static let mutedTextColor = "#595959"

    /// A rough width of `text` in the font stack above (no font metrics here): DejaVu Sans, the
    /// widest of them, averages about 0.6 em a character. Layout errs towards too much room.
    static func textWidth(_ text: String, size: Double) -> Double { Double(text.count) * size * 0.6 }

    /// `text` cut to `maximum` characters by an ellipsis in the middle, which keeps both ends of a
    /// layer path or fused step ("features.2.expand.conv + … .expand.relu"); charts show the whole name on hover.
    static func shortened(_ text: String, to maximum: Int) -> String {
        guard text.count > maximum else { return text }
        let head = max((maximum - 1) * 3 / 5, 1), tail = max(maximum - 1 - head, 0)
        return String(text.prefix(head)) + "…" + String(text.suffix(tail))
    }

    enum Marker: CaseIterable { case circle, square, triangle, diamond, cross }

    struct SeriesLook {
        var color: String
        /// A lighter fill of the same hue, for bars.
        var fill: String
        var dash: String?
        var marker: Marker
    }

    /// Lightness alternates dark, light, dark… (CIE L* 27, 64, 45, 71, 13, 64), so neighbouring
    /// series also differ in gray; dash and marker differ between neighbours too.
    static let looks: [SeriesLook] = [
        SeriesLook(color: "#16407a", fill: "#16407a", dash: nil, marker: .circle),
        SeriesLook(color: "#e08600", fill: "#f5b55c", dash: "9 5", marker: .square),
        SeriesLook(color: "#2b7a3b", fill: "#2b7a3b", dash: "2 4", marker: .triangle),
        SeriesLook(color: "#7fb4e3", fill: "#a9cdec", dash: "12 4 3 4", marker: .diamond),
        SeriesLook(color: "#222222", fill: "#444444", dash: "5 3", marker: .cross),
        SeriesLook(color: "#d87fb0", fill: "#ebb7d4", dash: "1 3", marker: .circle),
    ]

    static func look(_ index: Int) -> SeriesLook { looks[index % looks.count] }

    /// A marker centred on (x, y).
    static func drawMarker(_ marker: Marker, x: Double, y: Double, size: Double, color: String, on canvas: inout SVGCanvas,
                           title: String? = nil) {
        let n = SVGCanvas.number, r = size / 2
        let shape: (String, [(String, String?)])
        switch marker {
        case .circle:
            shape = ("circle", [("cx", n(x)), ("cy", n(y)), ("r", n(r))])
        case .square:
            shape = ("rect", [("x", n(x - r * 0.9)), ("y", n(y - r * 0.9)), ("width", n(r * 1.8)), ("height", n(r * 1.8))])
        case .triangle:
            shape = ("path", [("d", "M\(n(x)) \(n(y - r * 1.15))L\(n(x + r * 1.1)) \(n(y + r * 0.8))L\(n(x - r * 1.1)) \(n(y + r * 0.8))Z")])
        case .diamond:
            shape = ("path", [("d", "M\(n(x)) \(n(y - r * 1.2))L\(n(x + r)) \(n(y))L\(n(x)) \(n(y + r * 1.2))L\(n(x - r)) \(n(y))Z")])
        case .cross:
            let d = r * 0.95
            shape = ("path", [("d", "M\(n(x - d)) \(n(y - d))L\(n(x + d)) \(n(y + d))M\(n(x - d)) \(n(y + d))L\(n(x + d)) \(n(y - d))"),
                              ("stroke-width", "2.5"), ("fill", "none")])
        }
        let paint: [(String, String?)] = marker == .cross ? [("stroke", color)] : [("fill", color), ("stroke", "#ffffff"), ("stroke-width", "1")]
        canvas.element(shape.0, shape.1 + paint + [("class", "point")], title: title)
    }

    struct LegendEntry {
        var label: String
        var look: SeriesLook
        /// A line sample (line charts), a filled box (bars) or a marker alone (scatter).
        enum Kind { case line(marker: Bool), box, marker }
        var kind: Kind
    }

    /// Entries laid out left to right from (x, y), wrapping at `maximumWidth`; returns the height used.
    @discardableResult
    static func drawLegend(_ entries: [LegendEntry], x: Double, y: Double, maximumWidth: Double, on canvas: inout SVGCanvas) -> Double {
        guard !entries.isEmpty else { return 0 }
        let rowHeight = 22.0, sample = 34.0
        var cursorX = x, cursorY = y
        canvas.open("g", [("class", "legend")])
        for entry in entries {
            let label = shortened(entry.label, to: 60)
            // Legend text is mostly lower case, narrower than textWidth's allowance for digits and capitals.
            let width = sample + 6 + textWidth(label, size: labelFontSize) * 0.9 + 22
            if cursorX > x && cursorX + width > x + maximumWidth {
                cursorX = x
                cursorY += rowHeight
            }
            let midY = cursorY + rowHeight / 2
            switch entry.kind {
            case .line(let marker):
                canvas.line(cursorX, midY, cursorX + sample, midY, stroke: entry.look.color, width: 2.5, dash: entry.look.dash)
                if marker { drawMarker(entry.look.marker, x: cursorX + sample / 2, y: midY, size: 9, color: entry.look.color, on: &canvas) }
            case .box:
                canvas.rect(x: cursorX + 8, y: midY - 7, width: 18, height: 14, fill: entry.look.fill, stroke: entry.look.color)
            case .marker:
                drawMarker(entry.look.marker, x: cursorX + sample / 2, y: midY, size: 11, color: entry.look.color, on: &canvas)
            }
            canvas.text(label, x: cursorX + sample + 6, y: midY + 5, size: labelFontSize, title: label == entry.label ? nil : entry.label)
            cursorX += width
        }
        canvas.close("g")
        return cursorY + rowHeight - y
    }
}

/// How a chart writes its numbers: on ticks, beside bars, in cells.
public enum ChartNumberFormat: Sendable, Equatable {
    /// Whole numbers with thousands separators: 1,605,632.
    case integer
    /// A fixed number of decimals: 0.3421.
    case fixed(Int)
    /// Three significant figures with k, M, G: 1.61M.
    case compact

    func string(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "n/a" : (value > 0 ? "∞" : "−∞") }
        switch self {
        case .integer:
            return abs(value) < 9e18 ? grouped(Int(value.rounded())) : String(format: "%.3g", value)
        case .fixed(let decimals):
            return String(format: "%.\(min(max(decimals, 0), 10))f", value)
        case .compact:
            let magnitude = abs(value)
            for (size, unit) in [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")] where magnitude >= size {
                return Self.significant(value / size) + unit
            }
            return Self.significant(value)
        }
    }

    /// Three significant figures without trailing zeros: 1.61, 16.1, 161, 0.5.
    private static func significant(_ value: Double) -> String {
        let magnitude = abs(value)
        let decimals = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 3
        var text = String(format: "%.\(decimals)f", value)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text == "-0" ? "0" : text
    }
}

/// A duration unit chosen for the largest value shown, so a chart reads 12.5 ms, not 12,500 µs.
public struct DurationUnit: Sendable, Equatable {
    public var symbol: String
    /// Microseconds in one unit.
    public var microseconds: Double

    public static func suited(toMicroseconds largest: Double) -> DurationUnit {
        if largest.isFinite && largest >= 1_000_000 { return DurationUnit(symbol: "s", microseconds: 1_000_000) }
        if largest.isFinite && largest >= 1_000 { return DurationUnit(symbol: "ms", microseconds: 1_000) }
        return DurationUnit(symbol: "µs", microseconds: 1)
    }

    /// A duration in the unit that suits it, to three significant figures: "97.4 µs", "1.89 s".
    public static func text(microseconds: Double) -> String {
        let unit = suited(toMicroseconds: abs(microseconds))
        return ChartNumberFormat.compact.string(microseconds / unit.microseconds) + " " + unit.symbol
    }
}

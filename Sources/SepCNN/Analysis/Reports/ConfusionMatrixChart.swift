import Foundation

/// A confusion matrix as a heat map: a row per true class, a column per predicted class, each cell
/// holding its count and shaded by its share of the row (white for none, dark blue for all), so the
/// diagonal reads as each class's recall. The shade varies in lightness alone, which gray keeps.
/// A column on the right gives each class's accuracy.
public struct ConfusionMatrixChart: ReportChart {
    public var title: String
    public var classNames: [String]
    /// `counts[truth][prediction]`, as `Evaluation.confusion`.
    public var counts: [[Int]]

    /// Beyond this many classes the cells would be too small to read; `ReportSection.confusion` says so instead.
    public static let maximumClasses = 40

    public init(title: String, classNames: [String], counts: [[Int]]) {
        self.title = title
        self.classNames = classNames
        self.counts = counts
    }

    /// White → #0b2f6b, linear in sRGB, so lightness falls steadily with the share.
    static func shade(_ share: Double) -> String {
        let t = share.isFinite ? min(max(share, 0), 1) : 0
        let (r, g, b) = (255 - t * (255 - 11), 255 - t * (255 - 47), 255 - t * (255 - 107))
        return String(format: "#%02x%02x%02x", Int(r.rounded()), Int(g.rounded()), Int(b.rounded()))
    }

    public func svg() -> String {
        let n = min(counts.count, Self.maximumClasses)
        let names = (0..<n).map { $0 < classNames.count ? classNames[$0] : "class \($0)" }
        let labels = names.map { ChartStyle.shortened($0, to: 22) }
        let margin = 18.0
        let cell = n == 0 ? 40 : min(58, max(26, 600 / Double(n)))
        let rowLabelWidth = labels.map { ChartStyle.textWidth($0, size: ChartStyle.tickFontSize) }.max() ?? 40
        let left = margin + 24 + rowLabelWidth + 10
        // Column names run up at 45°, so their height is about their length × sin 45°.
        let columnLabelHeight = (labels.map { ChartStyle.textWidth($0, size: ChartStyle.tickFontSize) }.max() ?? 0) * 0.72 + 16
        let top = 44 + 26 + columnLabelHeight
        let gridSize = Double(n) * cell
        let width = max(left + gridSize + 120, 520)
        var canvas = SVGCanvas(width: width, height: top + gridSize + 110)
        canvas.text(title, x: margin, y: 26, size: ChartStyle.titleFontSize, weight: "bold")
        canvas.text("predicted class", x: left + gridSize / 2, y: 58, size: ChartStyle.labelFontSize, anchor: .middle)
        canvas.text("true class", x: 24, y: top + gridSize / 2, size: ChartStyle.labelFontSize, anchor: .middle, rotate: -90)
        for (j, label) in labels.enumerated() {
            let x = left + (Double(j) + 0.5) * cell + 4, y = top - 8
            canvas.text(label, x: x, y: y, anchor: .start, rotate: -45, title: label == names[j] ? nil : names[j])
        }
        canvas.text("accuracy", x: left + gridSize + 12, y: top - 8, anchor: .start, weight: "bold")
        let fontSize = cell < 36 ? 11.0 : ChartStyle.tickFontSize
        canvas.open("g", [("class", "cells"), ("data-rows", String(n))])
        for i in 0..<n {
            let row = counts[i].prefix(n)
            let total = row.reduce(0, +)
            let y = top + Double(i) * cell
            canvas.text(labels[i], x: left - 8, y: y + cell / 2 + 4.5, anchor: .end, title: labels[i] == names[i] ? nil : names[i])
            for (j, count) in row.enumerated() {
                let share = total == 0 ? 0 : Double(count) / Double(total)
                let x = left + Double(j) * cell
                canvas.rect(x: x, y: y, width: cell, height: cell, fill: Self.shade(share), stroke: i == j ? "#1a1a1a" : "#d0d0d0",
                            extra: [("class", "cell")],
                            title: "true \(names[i]), predicted \(names[j]): \(grouped(count)) (\(String(format: "%.1f", share * 100)) % of the true class)")
                if count > 0 {
                    canvas.text(grouped(count), x: x + cell / 2, y: y + cell / 2 + fontSize * 0.36, size: fontSize, anchor: .middle,
                                // White only on shades dark enough to give it more contrast than black has (past 60 %).
                                fill: share > 0.6 ? "#ffffff" : ChartStyle.textColor)
                }
            }
            let accuracy = total == 0 ? "—" : String(format: "%.1f %%", Double(row.count > i ? row[row.startIndex + i] : 0) / Double(total) * 100)
            canvas.text(accuracy, x: left + gridSize + 12, y: y + cell / 2 + 4.5)
        }
        canvas.close("g")
        // The colour key: ten steps of the shade, 0 to 100 % of the true class.
        let keyY = top + gridSize + 30, keyWidth = min(max(gridSize, 300), width - left - margin)
        for k in 0..<10 {
            canvas.rect(x: left + Double(k) * keyWidth / 10, y: keyY, width: keyWidth / 10, height: 14, fill: Self.shade((Double(k) + 0.5) / 10),
                        stroke: "#b0b0b0")
        }
        for (share, anchor) in [(0.0, SVGCanvas.Anchor.start), (0.5, .middle), (1.0, .end)] {
            canvas.text("\(Int(share * 100)) %", x: left + share * keyWidth, y: keyY + 32, anchor: anchor)
        }
        canvas.text("shade: share of the true class's images", x: left, y: keyY + 54, size: ChartStyle.labelFontSize, fill: ChartStyle.mutedTextColor)
        return canvas.document(title: title, description: "Confusion matrix of \(n) classes: rows are true classes, columns predictions")
    }
}

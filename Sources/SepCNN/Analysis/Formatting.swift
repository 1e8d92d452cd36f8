import Foundation

/// 4231976 → "4,231,976"
public func grouped(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var result = ""
    for (index, digit) in digits.enumerated() {
        if index > 0 && (digits.count - index) % 3 == 0 { result += "," }
        result.append(digit)
    }
    return value < 0 ? "-" + result : result
}

/// 568_740_352 → "568.74 M"
func scaled(_ value: Double) -> String {
    let units: [(Double, String)] = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")]
    for (size, unit) in units where value >= size { return String(format: "%.2f %@", value / size, unit) }
    return String(format: "%.0f", value)
}

/// A file's size as people read it, in decimal units: 54_784 → "54.8 kB", 4_231_976 → "4.23 MB".
public func formattedFileSize(_ bytes: Int) -> String {
    bytes >= 1_000_000 ? String(format: "%.2f MB", Double(bytes) / 1e6) : String(format: "%.1f kB", Double(bytes) / 1e3)
}

func mebibytes(_ bytes: Int) -> String {
    String(format: "%.2f MiB", Double(bytes) / 1_048_576)
}

/// Columns padded to their widest cell, with a rule under the header and after the last row.
public func formatTable(header: [String], rows: [[String]], rightAligned: Set<Int> = []) -> String {
    var widths = header.map(\.count)
    for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { i, cell in
            let padding = String(repeating: " ", count: widths[i] - cell.count)
            return rightAligned.contains(i) ? padding + cell : cell + padding
        }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
    }
    let rule = String(repeating: "─", count: widths.reduce(0, +) + 2 * (widths.count - 1))
    return ([line(header), rule] + rows.map(line) + [rule]).joined(separator: "\n") + "\n"
}

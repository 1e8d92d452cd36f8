import Foundation

/// Text made safe inside XML, XHTML and SVG, as element content or a quoted attribute value.
public enum XMLText {
    /// `&`, `<`, `>`, `"` and `'` as entities; the characters XML 1.0 forbids (C0 controls other
    /// than tab, line feed and carriage return; U+FFFE and U+FFFF) as U+FFFD, so a class or model
    /// name of any bytes still gives a well-formed page.
    public static func escaped(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            case "\t", "\n", "\r": result.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF:
                result += "\u{FFFD}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}

/// An SVG document under construction: elements are appended as text, every attribute value and
/// text content escaped here, so a chart never writes raw user text.
struct SVGCanvas {
    let width: Double
    var height: Double
    private(set) var body = ""
    private var definitions = ""

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    /// A coordinate or length as SVG takes it: one decimal, no trailing ".0"; a non-finite value
    /// (which the charts never pass on purpose) as 0 rather than a "nan" that breaks the document.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let rounded = (value * 10).rounded() / 10
        if rounded == rounded.rounded() && abs(rounded) < 1e15 { return String(Int(rounded)) }
        return String(format: "%.1f", rounded)
    }

    static func attributes(_ pairs: [(String, String?)]) -> String {
        pairs.compactMap { name, value in value.map { " \(name)=\"\(XMLText.escaped($0))\"" } }.joined()
    }

    mutating func element(_ name: String, _ attributes: [(String, String?)], text: String? = nil, title: String? = nil) {
        let open = "<\(name)\(Self.attributes(attributes))"
        let inner = (title.map { "<title>\(XMLText.escaped($0))</title>" } ?? "") + (text.map(XMLText.escaped) ?? "")
        body += inner.isEmpty ? open + "/>\n" : open + ">" + inner + "</\(name)>\n"
    }

    mutating func open(_ name: String, _ attributes: [(String, String?)]) { body += "<\(name)\(Self.attributes(attributes))>\n" }
    mutating func close(_ name: String) { body += "</\(name)>\n" }

    mutating func define(_ markup: String) { definitions += markup + "\n" }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, width: Double = 1, dash: String? = nil) {
        element("line", [("x1", Self.number(x1)), ("y1", Self.number(y1)), ("x2", Self.number(x2)), ("y2", Self.number(y2)),
                         ("stroke", stroke), ("stroke-width", Self.number(width)), ("stroke-dasharray", dash)])
    }

    mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String, stroke: String? = nil,
                       extra: [(String, String?)] = [], title: String? = nil) {
        element("rect", [("x", Self.number(x)), ("y", Self.number(y)), ("width", Self.number(max(width, 0))),
                         ("height", Self.number(max(height, 0))), ("fill", fill), ("stroke", stroke)] + extra, title: title)
    }

    enum Anchor: String { case start, middle, end }

    mutating func text(_ content: String, x: Double, y: Double, size: Double = ChartStyle.tickFontSize, anchor: Anchor = .start,
                       weight: String? = nil, fill: String = ChartStyle.textColor, rotate: Double? = nil, title: String? = nil) {
        element("text", [("x", Self.number(x)), ("y", Self.number(y)), ("font-size", Self.number(size)),
                         ("text-anchor", anchor == .start ? nil : anchor.rawValue), ("font-weight", weight), ("fill", fill),
                         ("transform", rotate.map { "rotate(\(Self.number($0)) \(Self.number(x)) \(Self.number(y)))" })],
                text: content, title: title)
    }

    /// The finished document: standalone SVG (its own namespace and font stack), titled for screen readers.
    func document(title: String, description: String? = nil) -> String {
        let size = "width=\"\(Self.number(width))\" height=\"\(Self.number(height))\" viewBox=\"0 0 \(Self.number(width)) \(Self.number(height))\""
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" \(size) role=\"img\" font-family=\"\(ChartStyle.fontFamily)\">\n"
            + "<title>\(XMLText.escaped(title))</title>\n"
            + (description.map { "<desc>\(XMLText.escaped($0))</desc>\n" } ?? "")
            + (definitions.isEmpty ? "" : "<defs>\n\(definitions)</defs>\n")
            + "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n"
            + body + "</svg>\n"
    }
}

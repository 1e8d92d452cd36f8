import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A report's SVG or page read back with Foundation's XMLParser (libxml2 on Linux): its elements
/// in document order with their attributes and text. Parsing throws on anything not well-formed.
struct XMLDocumentReader {
    struct Element {
        var name: String
        var attributes: [String: String]
        /// The text directly inside the element, entities decoded.
        var text: String
        /// Indices of the enclosing elements, outermost first.
        var ancestors: [Int]
    }

    struct NotWellFormed: Error, CustomStringConvertible {
        var description: String
    }

    private(set) var elements: [Element] = []

    init(_ text: String) throws {
        let delegate = Delegate()
        let parser = XMLParser(data: Data(text.utf8))
        parser.delegate = delegate
        guard parser.parse() else {
            throw NotWellFormed(description: "line \(parser.lineNumber), column \(parser.columnNumber): \(parser.parserError.map { "\($0)" } ?? "unknown error")")
        }
        elements = delegate.elements
    }

    func all(_ name: String) -> [Element] { elements.filter { $0.name == name } }

    /// The elements named `name` inside the element at `index`.
    func all(_ name: String, inside index: Int) -> [Element] { elements.filter { $0.name == name && $0.ancestors.contains(index) } }

    /// The index of the series group whose `data-series` is `series`.
    func seriesIndex(_ series: String) -> Int? {
        elements.firstIndex { $0.name == "g" && $0.attributes["data-series"] == series }
    }

    /// Every text element's content, joined: what a reader of the chart sees.
    var visibleText: String { elements.filter { $0.name == "text" }.map(\.text).joined(separator: "\n") }

    private final class Delegate: NSObject, XMLParserDelegate {
        var elements: [Element] = []
        var open: [Int] = []

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            elements.append(Element(name: name, attributes: attributes, text: "", ancestors: open))
            open.append(elements.count - 1)
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            open.removeLast()
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if let last = open.last { elements[last].text += string }
        }
    }
}

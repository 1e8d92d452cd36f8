import Foundation

/// One self-contained HTML page of figures and tables: `sepcnn train --report`, `prune --report`
/// and `bench --report` write one, and any command can assemble its own from `ReportSection`s.
/// Everything is inline (CSS, SVG); the page loads no script, font or image, and its
/// Content-Security-Policy forbids it to. The markup is also well-formed XML (XHTML5), so it can be
/// checked with any XML parser.
public struct ReportPage: Sendable {
    public var title: String
    /// A line under the title: what was run, on what.
    public var subtitle: String?
    public var sections: [ReportSection]
    /// A closing line, e.g. "written by sepcnn 0.1.0".
    public var footer: String?

    public init(title: String, subtitle: String? = nil, sections: [ReportSection] = [], footer: String? = nil) {
        self.title = title
        self.subtitle = subtitle
        self.sections = sections
        self.footer = footer
    }

    public func html() -> String {
        var page = """
            <!DOCTYPE html>
            <html xmlns="http://www.w3.org/1999/xhtml" lang="en">
            <head>
            <meta charset="utf-8"/>
            <meta name="viewport" content="width=device-width, initial-scale=1"/>
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"/>
            <title>\(XMLText.escaped(title))</title>
            <style>\(Self.styleSheet)</style>
            </head>
            <body>
            <main>
            <h1>\(XMLText.escaped(title))</h1>

            """
        if let subtitle { page += "<p class=\"subtitle\">\(XMLText.escaped(subtitle))</p>\n" }
        for section in sections { page += section.html() }
        if let footer { page += "<footer>\(XMLText.escaped(footer))</footer>\n" }
        return page + "</main>\n</body>\n</html>\n"
    }

    /// Writes the page atomically: a reader sees the old page or the whole new one.
    public func write(to url: URL) throws {
        try AtomicFile.write(Data(html().utf8), to: url)
    }

    static let styleSheet = """

        :root { color-scheme: light; }
        body { margin: 0; background: #f7f7f5; color: #1a1a1a;
          font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "DejaVu Sans", "Liberation Sans", Arial, sans-serif; }
        main { max-width: 940px; margin: 0 auto; padding: 24px 20px 48px; }
        h1 { font-size: 28px; margin: 0 0 4px; }
        h2 { font-size: 21px; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 2px solid #d6d6d0; }
        p { margin: 8px 0; max-width: 72ch; }
        .subtitle { color: #4a4a4a; margin-bottom: 16px; }
        figure { margin: 14px 0 22px; background: #ffffff; border: 1px solid #dcdcd6; border-radius: 6px; padding: 8px; overflow-x: auto; }
        figure svg { display: block; max-width: none; height: auto; }
        figcaption { color: #4a4a4a; font-size: 14px; margin: 6px 4px 2px; }
        table { border-collapse: collapse; background: #ffffff; margin: 10px 0 18px; font-size: 15px; }
        th, td { border: 1px solid #d6d6d0; padding: 5px 10px; text-align: left; vertical-align: top; }
        th { background: #ecece8; }
        td.number { text-align: right; font-variant-numeric: tabular-nums; }
        table.facts th { font-weight: 600; background: #f1f1ed; }
        footer { margin-top: 40px; color: #5a5a5a; font-size: 13px; }

        """
}

/// A titled part of a report page: paragraphs, tables and charts, in order.
public struct ReportSection: Sendable {
    public enum Block: Sendable {
        case paragraph(String)
        /// Name–value rows: "test accuracy" — "87.30 %".
        case facts([(String, String)])
        /// A table; cells that read as numbers are right-aligned.
        case table(header: [String], rows: [[String]])
        case chart(any ReportChart, caption: String?)
    }

    public var heading: String
    public var blocks: [Block]

    public init(heading: String, blocks: [Block] = []) {
        self.heading = heading
        self.blocks = blocks
    }

    func html() -> String {
        var out = "<section>\n<h2>\(XMLText.escaped(heading))</h2>\n"
        for block in blocks {
            switch block {
            case .paragraph(let text):
                out += "<p>\(XMLText.escaped(text))</p>\n"
            case .facts(let rows):
                out += "<table class=\"facts\">\n"
                for (name, value) in rows {
                    out += "<tr><th scope=\"row\">\(XMLText.escaped(name))</th><td>\(XMLText.escaped(value))</td></tr>\n"
                }
                out += "</table>\n"
            case .table(let header, let rows):
                out += "<table>\n<tr>" + header.map { "<th>\(XMLText.escaped($0))</th>" }.joined() + "</tr>\n"
                for row in rows {
                    out += "<tr>" + row.map { cell in
                        Self.readsAsNumber(cell) ? "<td class=\"number\">\(XMLText.escaped(cell))</td>" : "<td>\(XMLText.escaped(cell))</td>"
                    }.joined() + "</tr>\n"
                }
                out += "</table>\n"
            case .chart(let chart, let caption):
                out += "<figure>\n" + chart.svg() + (caption.map { "<figcaption>\(XMLText.escaped($0))</figcaption>\n" } ?? "") + "</figure>\n"
            }
        }
        return out + "</section>\n"
    }

    /// "1,234", "87.3 %", "0.512 ms", "2.10×": a figure, right-aligned in a table.
    static func readsAsNumber(_ cell: String) -> Bool {
        guard let first = cell.unicodeScalars.first else { return false }
        return CharacterSet.decimalDigits.contains(first) || (cell.hasPrefix("-") && cell.count > 1) || cell == "—"
    }
}

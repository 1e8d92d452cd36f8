import Foundation

/// The JSON every `--json` output is: pretty-printed with sorted keys, and always valid. JSON has
/// no NaN or infinity, and `JSONEncoder` refuses them; a diverged model's figures encode as `null`
/// instead, as Python's `json.dumps(..., allow_nan=False)` users and most JSON readers expect.
public enum JSONOutput {
    /// A string no real value holds, standing for a non-finite number until it becomes `null`.
    private static let nonFinite = "\u{FFFF}sepcnn-non-finite\u{FFFF}"

    /// Pretty-printed, or on one line when `compact` (a JSON-lines log's records).
    public static func encode<T: Encodable>(_ value: T, compact: Bool = false) throws -> String {
        let encoder = JSONEncoder()
        // Paths read as typed: no escaped slashes.
        encoder.outputFormatting = compact ? [.sortedKeys, .withoutEscapingSlashes] : [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: nonFinite, negativeInfinity: nonFinite, nan: nonFinite)
        let text = String(decoding: try encoder.encode(value), as: UTF8.self)
        return text.replacingOccurrences(of: "\"" + nonFinite + "\"", with: "null")
    }
}

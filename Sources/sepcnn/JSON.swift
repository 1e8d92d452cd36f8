import Foundation
import SepCNN

/// Pretty-printed JSON with sorted keys, non-finite numbers as null: the form every `--json` output takes.
func encodeJSON<T: Encodable>(_ value: T) throws -> String {
    try JSONOutput.encode(value)
}

/// Loads a model as `Model.load` does and warns (on standard error, so JSON output stays clean)
/// about parameters or statistics that are NaN or infinite, as a diverged run saves them.
func loadModelWarningIfNotFinite(_ nameOrPath: String, options: ModelOptions = ModelOptions(), weights: String? = nil) throws -> Model {
    let model = try Model.load(nameOrPath, options: options, weights: weights)
    let bad = model.nonFiniteParameters()
    if let first = bad.first {
        printNote("warning: \(nameOrPath): \(bad.count) tensor(s) hold NaN or infinite values, first '\(first)'; its outputs will not be meaningful")
    }
    return model
}

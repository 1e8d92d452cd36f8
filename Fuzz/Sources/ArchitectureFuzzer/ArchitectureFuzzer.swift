import Foundation
import FuzzerEntry
import SepCNN

/// Every input is a candidate architecture description (the JSON of a model file's metadata):
/// parsed, and when it describes fewer than 2²⁰ weights, built and run once on a small input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzArchitecture(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
    // The text, not the bytes: invalid UTF-8 in a key made the bytes unreadable as JSON, and so not wide,
    // while the text the description is read from (bad bytes replaced) named MobileNet at α = 5.3.
    guard !buildsAWideBuiltInModel(Data(text.utf8)) else { return 0 }
    guard let description = try? ModelDescription(json: text, parameterLimit: 1 << 20),
          let weights = try? LayerRegistry.parameterCount(of: description.network), weights < 1 << 20,
          let model = try? Model(description), let records = try? model.trace(),
          records.reduce(0, { $0 + $1.outputShape.reduce(1, *) }) <= 1 << 20,
          let input = try? Tensor.filled([1] + model.inputShape, with: 0.5) else { return 0 }
    _ = try? model(input)
    return 0
}

/// A version-1 description names a built-in model, which is built (weights and all) before anything
/// can be counted: MobileNet at a width multiplier above 1/2 takes seconds under ASan, past the
/// per-input timeout, and runs the same builder code as at smaller multipliers, so such inputs are skipped.
private func buildsAWideBuiltInModel(_ data: Data) -> Bool {
    struct Options: Decodable { var widthMultiplier: Double? }
    struct Version1: Decodable { var version: Int?; var options: Options? }
    guard let entry = try? JSONDecoder().decode(Version1.self, from: data), entry.version == 1 else { return false }
    return !((entry.options?.widthMultiplier ?? 1) <= 0.5)
}

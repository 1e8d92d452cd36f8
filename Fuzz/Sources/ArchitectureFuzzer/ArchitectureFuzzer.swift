import FuzzerEntry
import SepCNN

/// Every input is a candidate architecture description (the JSON of a model file's metadata):
/// parsed, and when it describes fewer than 2²⁰ weights, built and run once on a small input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzArchitecture(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
    guard let description = try? ModelDescription(json: text),
          let weights = try? LayerRegistry.parameterCount(of: description.network), weights < 1 << 20,
          let model = try? Model(description), let records = try? model.trace(),
          records.reduce(0, { $0 + $1.outputShape.reduce(1, *) }) <= 1 << 20,
          let input = try? Tensor.filled([1] + model.inputShape, with: 0.5) else { return 0 }
    _ = try? model(input)
    return 0
}

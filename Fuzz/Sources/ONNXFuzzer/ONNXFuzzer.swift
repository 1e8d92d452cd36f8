import Foundation
import FuzzerEntry
import SepCNN

/// libFuzzer's entry point: every input is a candidate .onnx file. Loading must either succeed or
/// throw a SepCNNError; a crash, a sanitizer report or a hang is a bug. Models that load and are
/// small are also run once.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzONNX(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let data = Data(bytes: start, count: count)
    guard let onnx = try? ONNXModel(serializedData: data, name: "fuzz") else { return 0 }
    let model = onnx.model
    guard let records = try? model.trace(),
          records.reduce(0, { $0 + $1.outputShape.reduce(1, *) }) <= 1 << 20,
          let input = try? Tensor.filled([1] + model.inputShape, with: 0.5) else { return 0 }
    _ = try? model(input)
    _ = try? InferencePlan(model).callAsFunction(input)
    return 0
}

import Foundation
import FuzzerEntry
import SepCNN

/// Every input is a candidate .safetensors file: parsed from memory, then loaded from a file as a
/// model file or checkpoint (`Model.load(contentsOf:)`, which reads the header first and checks the
/// tensors against the architecture). Either succeeds or throws a SepCNNError.
let file = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("sepcnn-fuzz-\(getpid()).safetensors")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensors(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let data = Data(bytes: start, count: count)
    _ = try? SafetensorsFile(decoding: data)
    guard (try? data.write(to: file)) != nil else { return 0 }
    _ = try? Model.load(contentsOf: file)
    return 0
}

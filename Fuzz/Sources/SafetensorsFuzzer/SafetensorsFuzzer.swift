import Foundation
import FuzzerEntry
import SepCNN

/// Every input is a candidate .safetensors file: parsed from memory, then loaded from a file as a
/// model file or checkpoint (`Model.load(contentsOf:)`, which reads the header first and checks the
/// tensors against the architecture). Either succeeds or throws a SepCNNError.
let file = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("sepcnn-fuzz-\(getpid()).safetensors")

/// libFuzzer ends its runs with exit(), which takes the temporary file with it.
let removedAtExit: Void = { atexit { try? FileManager.default.removeItem(at: file) } }()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensors(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    _ = removedAtExit
    let data = Data(bytes: start, count: count)
    _ = try? SafetensorsFile(decoding: data)
    guard (try? data.write(to: file)) != nil else { return 0 }
    _ = try? Model.load(contentsOf: file)
    return 0
}

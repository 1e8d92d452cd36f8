import FuzzerEntry
import SepCNN

/// Every input is a candidate PNG, JPEG or PPM/PGM file. The pixel cap is lowered to 2²⁰ so executions
/// stay fast; the size checks are the same at any cap.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzImage(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    _ = try? Image.decode(bytes, maximumPixels: 1 << 20)
    return 0
}

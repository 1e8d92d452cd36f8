import Foundation
import FuzzerEntry
import SepCNN

/// Every input is a candidate gzip stream: decompressed whole (to at most 16 MiB) and as a prefix.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGzip(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let data = Data(bytes: start, count: count)
    _ = try? Gzip.decompress(data, limit: 1 << 24)
    _ = try? Gzip.prefix(data, count: 16)
    return 0
}

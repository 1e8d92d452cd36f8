import Foundation
import FuzzerEntry
import SepCNN

/// Every input is a candidate CIFAR-10 binary batch (`test_batch.bin`, plain or gzip — the reader
/// tells them apart by content): loading the test split either succeeds or throws.
let directory: URL = {
    let url = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("sepcnn-fuzz-cifar-\(getpid())")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}()

/// libFuzzer ends its runs with exit(), which takes the temporary folder with it.
let removedAtExit: Void = { atexit { try? FileManager.default.removeItem(at: directory) } }()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCIFAR(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    _ = removedAtExit
    let data = Data(bytes: start, count: count)
    guard (try? data.write(to: directory.appendingPathComponent("test_batch.bin"))) != nil else { return 0 }
    _ = try? Dataset.load(.cifar10, split: .test, from: directory)
    return 0
}

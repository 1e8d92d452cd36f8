import Foundation
import FuzzerEntry
import SepCNN

/// Every input is a candidate IDX image file (plain, or gzip when it starts 1f 8b) of a
/// Fashion-MNIST test split whose label file is fixed: loading either succeeds or throws.
let directory: URL = {
    let url = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("sepcnn-fuzz-idx-\(getpid())")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    try! Data([0, 0, 8, 1, 0, 0, 0, 2, 3, 7]).write(to: url.appendingPathComponent("t10k-labels-idx1-ubyte"))
    return url
}()

/// libFuzzer ends its runs with exit(), which takes the temporary folder with it.
let removedAtExit: Void = { atexit { try? FileManager.default.removeItem(at: directory) } }()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIDX(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    _ = removedAtExit
    let data = Data(bytes: start, count: count)
    let compressed = data.count >= 2 && data[0] == 0x1F && data[1] == 0x8B
    let plain = directory.appendingPathComponent("t10k-images-idx3-ubyte"), gzip = plain.appendingPathExtension("gz")
    try? FileManager.default.removeItem(at: plain)
    try? FileManager.default.removeItem(at: gzip)
    guard (try? data.write(to: compressed ? gzip : plain)) != nil else { return 0 }
    _ = try? Dataset.load(.fashionMNIST, split: .test, from: directory)
    return 0
}

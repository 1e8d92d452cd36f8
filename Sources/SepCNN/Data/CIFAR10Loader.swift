import Foundation

extension Dataset {
    public static let cifar10ClassNames = ["airplane", "automobile", "bird", "cat", "deer",
                                           "dog", "frog", "horse", "ship", "truck"]

    /// CIFAR-10's binary version (https://www.cs.toronto.edu/~kriz/cifar.html): records of one
    /// label byte and 3072 image bytes (1024 red, then green, then blue, each row-major 32×32).
    static func cifar10(files: [URL]) throws -> Dataset {
        let recordSize = 1 + 3 * 32 * 32
        var contents: [(URL, [UInt8])] = []
        var total = 0
        for url in files {
            let bytes = try DatasetFiles.read(url)
            guard !bytes.isEmpty, bytes.count % recordSize == 0 else {
                throw SepCNNError.invalidFile(
                    "\(url.path): \(bytes.count) bytes is not a whole number of \(recordSize)-byte CIFAR-10 records (truncated?)")
            }
            contents.append((url, bytes))
            total += bytes.count / recordSize
        }
        var images = Tensor(uncheckedShape: [total, 32, 32, 3])
        var labels: [Int] = []
        labels.reserveCapacity(total)
        var image = 0
        for (url, bytes) in contents {
            for record in 0..<(bytes.count / recordSize) {
                let label = Int(bytes[record * recordSize])
                guard label < cifar10ClassNames.count else {
                    throw SepCNNError.invalidFile("\(url.path): record \(record) has label \(label), outside 0..<10")
                }
                labels.append(label)
            }
            bytes.withUnsafeBufferPointer { source in
                images.withMutablePointer { x in
                    for record in 0..<(bytes.count / recordSize) {
                        let planes = source.baseAddress! + (record * recordSize + 1)
                        let out = x + image &* 3072
                        for pixel in 0..<1024 {  // CHW → HWC
                            for c in 0..<3 { out[pixel &* 3 &+ c] = Float(planes[c &* 1024 &+ pixel]) / 255 }
                        }
                        image += 1
                    }
                }
            }
        }
        return try Dataset(images: images, labels: labels, classNames: cifar10ClassNames)
    }

    /// `data_batch_1.bin` ... `data_batch_5.bin` (training) or `test_batch.bin` (test) in
    /// `directory` or its `cifar-10-batches-bin` subdirectory.
    static func cifar10(_ directory: URL, split: DatasetSplit) throws -> Dataset {
        let nested = directory.appendingPathComponent("cifar-10-batches-bin")
        var isDirectory: ObjCBool = false
        let root = FileManager.default.fileExists(atPath: nested.path, isDirectory: &isDirectory) && isDirectory.boolValue ? nested : directory
        let names = split == .train ? (1...5).map { "data_batch_\($0).bin" } : ["test_batch.bin"]
        return try cifar10(files: names.map { try DatasetFiles.find([$0], in: root) })
    }
}

/// The IDX format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/): a big-endian
/// magic `00 00 08 D` (unsigned bytes, D dimensions), D big-endian 32-bit sizes, then the bytes.
enum IDXReader {
    /// The most data bytes an IDX file may announce: 1 GiB (4 GiB as float32 images), twenty times
    /// Fashion-MNIST's training images. Larger headers are refused before anything is read or allocated.
    static let maximumDataBytes = 1 << 30

    /// The dimensions and the data bytes (as a range of `bytes`). `file` names the file in errors.
    static func read(_ bytes: [UInt8], file: String, expectedRank: Int) throws -> (dimensions: [Int], data: Range<Int>) {
        let (dimensions, headerSize, total) = try header(bytes, file: file, expectedRank: expectedRank)
        guard bytes.count - headerSize >= total else {
            throw SepCNNError.invalidFile(
                "\(file): truncated: dimensions \(dimensions) need \(total) data bytes, the file has \(bytes.count - headerSize)")
        }
        guard bytes.count - headerSize == total else {
            throw SepCNNError.invalidFile("\(file): \(bytes.count - headerSize - total) bytes after the data its dimensions \(dimensions) describe")
        }
        return (dimensions, headerSize..<bytes.count)
    }

    /// The dimensions the header at the start of `bytes` announces, the header's size and the data
    /// bytes the dimensions need (at most `maximumDataBytes`); `bytes` may hold the header alone.
    static func header(_ bytes: [UInt8], file: String, expectedRank: Int) throws -> (dimensions: [Int], headerSize: Int, dataBytes: Int) {
        guard bytes.count >= 4 else { throw SepCNNError.invalidFile("\(file): truncated (\(bytes.count) bytes, no IDX header)") }
        guard bytes[0] == 0, bytes[1] == 0, bytes[2] == 0x08 else {
            let magic = bytes[0..<4].map { String($0, radix: 16) }.joined(separator: " ")
            throw SepCNNError.invalidFile("\(file): wrong magic \(magic); an IDX file of unsigned bytes starts 0 0 8 \(expectedRank)")
        }
        guard Int(bytes[3]) == expectedRank else {
            throw SepCNNError.invalidFile("\(file): IDX data has \(bytes[3]) dimensions, expected \(expectedRank)")
        }
        let headerSize = 4 + 4 * expectedRank
        guard bytes.count >= headerSize else { throw SepCNNError.invalidFile("\(file): truncated inside the IDX header") }
        var dimensions: [Int] = []
        var total = 1
        for d in 0..<expectedRank {
            let at = 4 + 4 * d
            let size = Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
            let (product, overflow) = total.multipliedReportingOverflow(by: size)
            guard !overflow, product <= maximumDataBytes else {
                throw SepCNNError.invalidFile(
                    "\(file): IDX dimensions \(dimensions + [size])\(d + 1 < expectedRank ? "..." : "") hold more than the \(maximumDataBytes) bytes SepCNN loads")
            }
            total = product
            dimensions.append(size)
        }
        return (dimensions, headerSize, total)
    }
}

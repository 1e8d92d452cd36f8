import Foundation

/// Reading dataset files: whole-file reads with errors that name the file, and transparent gzip.
enum DatasetFiles {
    /// The most bytes a compressed dataset file may decompress to (1 GiB; CIFAR-10's largest file is
    /// 30 MB): decompression stops there, so a gzip bomb cannot exhaust memory.
    static let maximumDecompressedBytes = 1 << 30

    /// The bytes of `url`, decompressed (to at most `limit` bytes) if they are gzip.
    static func read(_ url: URL, limit: Int = maximumDecompressedBytes) throws -> [UInt8] {
        let data = try contents(of: url)
        guard Gzip.isCompressed(data) else { return [UInt8](data) }
        do { return try Gzip.decompress(data, limit: limit) } catch let error as SepCNNError {
            throw SepCNNError.invalidFile("\(url.path): \(error.message)")
        }
    }

    /// The bytes of the IDX file `url` of `rank` dimensions. Compressed, it is decompressed no
    /// further than the size its header announces: the header first, then the rest up to that size.
    static func readIDX(_ url: URL, rank: Int) throws -> [UInt8] {
        let data = try contents(of: url)
        guard Gzip.isCompressed(data) else { return [UInt8](data) }
        do {
            let start = try Gzip.prefix(data, count: 4 + 4 * rank)
            let (dimensions, headerSize, dataBytes) = try IDXReader.header(start, file: url.path, expectedRank: rank)
            let announced = headerSize + dataBytes
            do { return try Gzip.decompress(data, limit: announced) } catch {
                // Bounded by the limit: at most one byte more is decoded again to tell why.
                guard try Gzip.prefix(data, count: announced + 1).count > announced else { throw error }
                throw SepCNNError.invalidFile("decompresses to more than the \(announced) bytes its IDX dimensions \(dimensions) announce")
            }
        } catch let error as SepCNNError {
            throw SepCNNError.invalidFile(error.message.hasPrefix(url.path) ? error.message : "\(url.path): \(error.message)")
        }
    }

    /// The file's bytes, if it holds at most `maximumDecompressedBytes` (compressed or not, no
    /// dataset file SepCNN reads is larger): its size is checked before it is read.
    private static func contents(of url: URL) throws -> Data {
        if let size = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? NSNumber,
           size.int64Value > Int64(maximumDecompressedBytes) {
            throw SepCNNError.invalidFile("\(url.path) is \(size.int64Value) bytes, more than the \(maximumDecompressedBytes) a dataset file may hold")
        }
        do { return try Data(contentsOf: url) } catch {
            throw SepCNNError.invalidFile("cannot read \(url.path): \(error.localizedDescription)")
        }
    }

    /// The first of `names` (e.g. `x` and `x.gz`) that exists in `directory`.
    static func find(_ names: [String], in directory: URL) throws -> URL {
        for name in names {
            let url = directory.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: url.path) { return url }
        }
        throw SepCNNError.invalidFile("missing file: none of \(names.joined(separator: ", ")) is in \(directory.path)")
    }
}

import Foundation

/// Reading dataset files: whole-file reads with errors that name the file, and transparent gzip.
enum DatasetFiles {
    /// The bytes of `url`, decompressed if they are gzip.
    static func read(_ url: URL) throws -> [UInt8] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw SepCNNError.invalidFile("cannot read \(url.path): \(error.localizedDescription)")
        }
        guard Gzip.isCompressed(data) else { return [UInt8](data) }
        do { return try Gzip.decompress(data) } catch let error as SepCNNError {
            throw SepCNNError.invalidFile("\(url.path): \(error.message)")
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

import ArgumentParser
import Foundation
import SepCNN

/// `train --log FILE.jsonl`: one JSON object a line, appended (a resumed run continues the same
/// file) and handed to the system as each is written, so a crash loses no finished record.
final class TrainingLog {
    private let handle: FileHandle
    let path: String

    init(path: String) throws {
        self.path = path
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw ValidationError("cannot create the log file \(path)")
            }
        }
        guard let handle = FileHandle(forWritingAtPath: path) else { throw ValidationError("cannot open the log file \(path) for writing") }
        handle.seekToEndOfFile()
        self.handle = handle
    }

    deinit { try? handle.close() }

    struct Batch: Encodable {
        var type = "batch"
        var epoch: Int, batch: Int, batches: Int
        var loss: Double, accuracy: Double, learningRate: Float, imagesPerSecond: Double, elapsed: Double
    }

    struct Epoch: Encodable {
        var type = "epoch"
        var epoch: Int, loss: Double, accuracy: Double
        var validationLoss: Double?, validationAccuracy: Double?
        var imagesPerSecond: Double, seconds: Double, elapsed: Double
    }

    func write(_ record: some Encodable) throws {
        let line = try JSONOutput.encode(record, compact: true) + "\n"
        do { try handle.write(contentsOf: Data(line.utf8)) } catch {
            throw ValidationError("cannot write to the log file \(path): \(error.localizedDescription)")
        }
    }
}

/// Where human-readable lines go: standard output, or standard error when `--json` keeps
/// standard output for the JSON alone.
struct Console {
    var json: Bool

    func say(_ text: String) {
        if json { FileHandle.standardError.write(Data((text + "\n").utf8)) } else { print(text) }
    }
}

import ArgumentParser
import Foundation
import SepCNN

/// `train --log FILE.jsonl`: one JSON object a line, appended (a resumed run continues the same
/// file) and handed to the system as each is written, so a crash loses no finished record.
/// Without a file (`path` nil) the log only keeps its batch records, for `--report`; with one and
/// `remembering`, it also reads back the batch records a resumed run wrote before it stopped.
final class TrainingLog {
    private let handle: FileHandle?
    let path: String?
    private let remembering: Bool
    /// The batch records of the run, when `remembering`: the report's curves between epochs.
    private(set) var batches: [TrainingCurves.BatchSample] = []

    init(path: String?, remembering: Bool = false, resumingAt position: (epoch: Int, batch: Int)? = nil) throws {
        self.path = path
        self.remembering = remembering
        guard let path else {
            handle = nil
            return
        }
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw ValidationError("cannot create the log file \(path)")
            }
        } else if remembering, let position {
            batches = Self.batchRecords(in: path, before: position)
        }
        guard let handle = FileHandle(forWritingAtPath: path) else { throw ValidationError("cannot open the log file \(path) for writing") }
        handle.seekToEndOfFile()
        self.handle = handle
    }

    deinit { try? handle?.close() }

    struct Batch: Codable {
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

    /// Writes a batch record, and keeps it for the report.
    func write(_ record: Batch) throws {
        if remembering {
            batches.append(TrainingCurves.BatchSample(epoch: record.epoch, batch: record.batch, batches: record.batches,
                                                      loss: record.loss, accuracy: record.accuracy))
        }
        try write(record as any Encodable)
    }

    func write(_ record: any Encodable) throws {
        guard let handle, let path else { return }
        let line = try JSONOutput.encode(record, compact: true) + "\n"
        do { try handle.write(contentsOf: Data(line.utf8)) } catch {
            throw ValidationError("cannot write to the log file \(path): \(error.localizedDescription)")
        }
    }
}

extension TrainingLog {
    /// The batch records of a log a run is resuming, up to where it resumes (those after it, written
    /// before a crash, the run writes again). A line that does not read — the last one a crash cut
    /// short, a record of another kind — is passed over: the report only draws them.
    static func batchRecords(in path: String, before position: (epoch: Int, batch: Int)) -> [TrainingCurves.BatchSample] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        let decoder = JSONDecoder()
        return text.split(separator: "\n").compactMap { line in
            guard line.contains("\"batch\""), let record = try? decoder.decode(Batch.self, from: Data(line.utf8)), record.type == "batch",
                  (record.epoch, record.batch) <= position else { return nil }
            return TrainingCurves.BatchSample(epoch: record.epoch, batch: record.batch, batches: record.batches, loss: record.loss, accuracy: record.accuracy)
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

import Foundation
import Testing
@testable import SepCNN

/// The safetensors reader refuses what the reference implementation (huggingface/safetensors,
/// `validate`) refuses — data not covered exactly by the tensors, in order — and bounds the header
/// and the tensors against the model before any tensor is copied (issue 17).
@Suite struct SafetensorsValidationTests {
    static func encode(_ header: String, body: Int) -> Data {
        SafetensorsTests.encode(header: header, body: (0..<body).map { UInt8($0 & 0xFF) })
    }

    static func message(_ body: () throws -> Any) -> String {
        do { _ = try body(); return "no error" } catch { return "\(error)" }
    }

    static let twoFloats = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#

    @Test func contiguousTensorsRead() throws {
        let file = try SafetensorsFile(decoding: Self.encode(Self.twoFloats, body: 8))
        #expect(file.entries.map(\.name) == ["a", "b"])
    }

    /// Bytes inserted into the data section would shift every later tensor: the model would load garbage.
    @Test func aGapBetweenTensorsIsRefused() {
        let header = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#
        let text = Self.message { try SafetensorsFile(decoding: Self.encode(header, body: 12)) }
        #expect(text.contains("4 bytes no tensor covers, at [4, 8] before tensor 'b'"), "\(text)")
    }

    @Test func aGapBeforeTheFirstTensorIsRefused() {
        let header = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        let text = Self.message { try SafetensorsFile(decoding: Self.encode(header, body: 8)) }
        #expect(text.contains("4 bytes no tensor covers, at [0, 4] before tensor 'a'"), "\(text)")
    }

    @Test func trailingBytesAreRefused() throws {
        let text = Self.message { try SafetensorsFile(decoding: Self.encode(Self.twoFloats, body: 11)) }
        #expect(text.contains("3 bytes after its last tensor (the tensors cover 8 of 11)"), "\(text)")
        let written = try SafetensorsFile(entries: [.init(name: "w", tensor: try Tensor(shape: [2], scalars: [1, 2]))]).encoded()
        #expect(Self.message { try SafetensorsFile(decoding: written + Data([0])) }.contains("1 bytes after its last tensor"))
    }

    @Test func overlappingTensorsAreRefused() {
        let header = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        let text = Self.message { try SafetensorsFile(decoding: Self.encode(header, body: 8)) }
        #expect(text.contains("overlaps the tensor before it, which ends at 8"), "\(text)")
    }

    /// A header of 70 000 empty tensors is refused from its bytes, before the JSON parser builds
    /// 70 000 objects (1.2 M such tensors took 4.6 GB before).
    @Test func aHeaderOfTooManyTensorsIsRefusedBeforeParsing() {
        let header = "{" + (0..<70_000).map { #""t\#($0)":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}"# }.joined(separator: ",") + "}"
        let text = Self.message { try SafetensorsFile(decoding: Self.encode(header, body: 0)) }
        #expect(text.contains("more than 65536 tensors"), "\(text)")
    }

    @Test func aDeeplyNestedHeaderIsRefusedBeforeParsing() {
        let header = #"{"a":{"dtype":"F32","shape":"# + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}}"
        let text = Self.message { try SafetensorsFile(decoding: Self.encode(header, body: 0)) }
        #expect(text.contains("nests deeper than a safetensors header does"), "\(text)")
    }

    @Test func bracesAndCommasInsideStringsDoNotCount() throws {
        let metadata = String(repeating: #"{[,\"]}"#, count: 200_000)
        let header = #"{"__metadata__":{"note":""# + metadata + #""},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#
        let file = try SafetensorsFile(decoding: Self.encode(header, body: 4))
        #expect(file.metadata["note"]?.count == 6 * 200_000)
    }

    // MARK: Tensors against the model

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sepcnn-budget-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func smallModel() throws -> Model {
        try Random.withSeed(3) { try ModelZoo.make("fashion-sepcnn", options: ModelOptions(resolution: 8, classes: 3)) }
    }

    /// A model file with one more tensor of 4 M floats than its architecture uses: refused from
    /// its header, whichever way it is loaded, before the 16 MB are copied.
    @Test func aModelFileWithAnUnexpectedLargeTensorIsRefusedBeforeCopying() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("model.safetensors")
        try ModelFile.save(try Self.smallModel(), to: url)
        var file = try SafetensorsFile(contentsOf: url)
        file.entries.append(.init(name: "padding", tensor: try Tensor.zeros([4 << 20])))
        try file.write(to: url)
        for load in [{ try ModelFile.load(from: url) }, { try Model.load(contentsOf: url) }] {
            let text = Self.message(load)
            #expect(text.contains("more than the") && text.contains("its architecture has room for (the largest tensor is 'padding' of shape [4194304])"), "\(text)")
        }
    }

    @Test func aCheckpointWithAnOversizedOptimizerBufferIsRefusedBeforeCopying() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("run.checkpoint.safetensors")
        var file = CheckpointValidationTests.checkpointFile
        file.entries.append(.init(name: "optimizer.huge.exp_avg", tensor: try Tensor.zeros([4 << 20])))
        try file.write(to: url)
        let text = Self.message { try Checkpoint(contentsOf: url) }
        #expect(text.contains("the file's optimizer buffers hold") && text.contains("'optimizer.huge.exp_avg'"), "\(text)")
    }

    @Test func aStateDictionaryLargerThanTheModelIsRefusedBeforeCopying() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("weights.safetensors")
        try SafetensorsFile(entries: [.init(name: "fc.weight", tensor: try Tensor.zeros([4 << 20]))]).write(to: url)
        let model = try Self.smallModel()
        let text = Self.message { try ModelFile.loadStateDictionary(from: url, into: model) }
        #expect(text.contains("more than the") && text.contains("model \(model.name) has room for"), "\(text)")
    }

    @Test func filesThatFitStillLoad() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("model.safetensors")
        let model = try Self.smallModel()
        try ModelFile.save(model, to: url)
        #expect(try Model.load(contentsOf: url).namedParameters().map(\.parameter.value) == model.namedParameters().map(\.parameter.value))
        try ModelFile.loadStateDictionary(from: url, into: try Self.smallModel())
        let checkpoint = directory.appendingPathComponent("c.safetensors")
        var file = CheckpointValidationTests.checkpointFile
        try file.write(to: checkpoint)
        file = try SafetensorsFile(contentsOf: checkpoint)
        _ = try Checkpoint(contentsOf: checkpoint)
    }
}

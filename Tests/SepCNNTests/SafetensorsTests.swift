import Foundation
import Testing
@testable import SepCNN

@Suite struct SafetensorsTests {
    static func temporaryURL(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("sepcnn-\(UUID().uuidString)-\(name)")
    }

    /// Written by Python's `safetensors` (`Scripts/make_safetensors_fixtures.py`).
    @Test func readsEveryDTypeWrittenByPython() throws {
        let file = try SafetensorsFile(contentsOf: Fixtures.directory.appendingPathComponent("python-dtypes.safetensors"))
        #expect(file.metadata == ["source": "python safetensors", "note": "é\"\\"])
        #expect(file["f32"] == (try Tensor(shape: [2, 3], scalars: [-0.5, -0.25, 0, 0.25, 0.5, 0.75])))
        #expect(file["f16"]?.scalars == [1.5, -2, Float(Float16(0.099975586)), 65504])
        #expect(file["bf16"]?.scalars == [1, -3.5, 256])
        #expect(file["f64"]?.scalars == [0.1, -0.2, 1e10, 3])
        #expect(file["i64"]?.scalars == [0, -7, 123456])
        #expect(file["empty"]?.shape == [0, 3])
        let dtypes = Dictionary(uniqueKeysWithValues: file.entries.map { ($0.name, $0.dtype) })
        #expect(dtypes == ["f32": .float32, "f16": .float16, "bf16": .bfloat16, "f64": .float64, "i64": .int64, "empty": .float32])
    }

    @Test func roundTripsEveryDType() throws {
        let values = try Tensor(shape: [2, 2], scalars: [1, -2, 100, 0.5 * 6])  // exact in every dtype, int8 included
        let original = SafetensorsFile(
            entries: SafetensorsDType.allCases.map { SafetensorsFile.Entry(name: "t.\($0.rawValue)", tensor: values, dtype: $0) },
            metadata: ["key": "value with \"quotes\" and\nnewline"])
        let url = Self.temporaryURL("roundtrip.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try original.write(to: url)
        let read = try SafetensorsFile(contentsOf: url)
        #expect(read.metadata == original.metadata)
        #expect(read.entries.map(\.name) == original.entries.map(\.name))
        #expect(read.entries.allSatisfy { $0.tensor == values })
        #expect(read.entries.map(\.dtype) == SafetensorsDType.allCases)
        // The header is padded so the data starts 8-byte aligned.
        let bytes = try Data(contentsOf: url)
        #expect(bytes.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) } % 8 == 0)
    }

    @Test func bfloat16RoundsToNearestEven() throws {
        var bytes: [UInt8] = []
        SafetensorsDType.bfloat16.append(Float(bitPattern: 0x3F80_8000), to: &bytes)  // tie → even (down)
        SafetensorsDType.bfloat16.append(Float(bitPattern: 0x3F81_8000), to: &bytes)  // tie → even (up)
        SafetensorsDType.bfloat16.append(Float(bitPattern: 0x3F80_8001), to: &bytes)  // above the tie → up
        #expect(bytes == [0x80, 0x3F, 0x82, 0x3F, 0x81, 0x3F])
    }

    static func encode(header: String, body: [UInt8]) -> Data {
        var data = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: Array(header.utf8))
        data.append(contentsOf: body)
        return data
    }

    static let malformedHeaders: [(String, String)] = [
        ("not JSON", "{\"a\": "),
        ("not an object", "[1, 2]"),
        ("no dtype", #"{"a":{"shape":[1],"data_offsets":[0,4]}}"#),
        ("unknown dtype", #"{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}"#),
        ("negative dimension", #"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#),
        ("fractional dimension", #"{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}"#),
        ("huge shape", #"{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}"#),
        ("offsets past the end", #"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#),
        ("reversed offsets", #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}}"#),
        ("size mismatch", #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,8]}}"#),
        ("overlap", #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#),
        ("one offset", #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0]}}"#),
        ("metadata not strings", #"{"__metadata__":{"k":1}}"#),
    ]

    @Test(arguments: malformedHeaders.map(\.0))
    func malformedHeaderThrows(_ name: String) throws {
        let header = Self.malformedHeaders.first { $0.0 == name }!.1
        let error = #expect(throws: SepCNNError.self) { try SafetensorsFile(decoding: Self.encode(header: header, body: [UInt8](repeating: 0, count: 8))) }
        #expect(error?.kind == .invalidFile)
    }

    @Test func hugeHeaderLengthThrows() {
        var data = Data([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F])
        data.append(contentsOf: Array("{}".utf8))
        #expect(throws: SepCNNError.self) { try SafetensorsFile(decoding: data) }
        #expect(throws: SepCNNError.self) { try SafetensorsFile(decoding: Data([1, 2, 3])) }
    }

    /// Every truncation and every single-byte corruption of a valid file either reads or throws.
    @Test func truncatedAndCorruptedCopiesNeverCrash() throws {
        let file = SafetensorsFile(entries: [
            .init(name: "weight", tensor: try Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])),
            .init(name: "count", tensor: try Tensor(shape: [], scalars: [0]), dtype: .int64),
        ], metadata: ["a": "b"])
        let bytes = try file.encoded()
        var thrown = 0
        for length in 0..<bytes.count {
            do { _ = try SafetensorsFile(decoding: bytes.prefix(length)) } catch is SepCNNError { thrown += 1 }
        }
        #expect(thrown == bytes.count)  // every strict prefix loses data the header promises
        for index in 0..<bytes.count {
            for flip: UInt8 in [0x01, 0x80, 0xFF] {
                var copy = bytes
                copy[index] ^= flip
                do { _ = try SafetensorsFile(decoding: copy) } catch is SepCNNError {}
            }
        }
    }

    @Test func missingFileNamesThePath() {
        let url = Self.temporaryURL("absent.safetensors")
        let error = #expect(throws: SepCNNError.self) { try SafetensorsFile(contentsOf: url) }
        #expect(error?.message.contains(url.path) == true)
    }

    @Test func duplicateNamesAreRefusedOnWrite() throws {
        let t = try Tensor(shape: [1], scalars: [0])
        #expect(throws: SepCNNError.self) { try SafetensorsFile(entries: [.init(name: "a", tensor: t), .init(name: "a", tensor: t)]).encoded() }
    }

    @Test func atomicWriteReplacesAndLeavesNoTemporaryFile() throws {
        let directory = Self.temporaryURL("dir")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("file.bin")
        try AtomicFile.write(Data([1, 2, 3]), to: url)
        try AtomicFile.write(Data([4, 5]), to: url)
        #expect(try Data(contentsOf: url) == Data([4, 5]))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["file.bin"])
        #expect(throws: SepCNNError.self) { try AtomicFile.write(Data([1]), to: directory.appendingPathComponent("no/such/dir/file")) }
    }
}

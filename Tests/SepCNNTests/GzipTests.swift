import Foundation
import Testing
@testable import SepCNN

/// The inflater against files Python's gzip/zlib wrote (`Scripts/make_gzip_fixtures.py`).
@Suite struct GzipTests {
    static let directory = Fixtures.directory.appendingPathComponent("gzip")
    static func read(_ name: String) throws -> Data { try Data(contentsOf: directory.appendingPathComponent(name)) }

    @Test(arguments: ["level-0.gz", "level-1.gz", "level-6.gz", "level-9.gz", "fixed.gz", "header-fields.gz"])
    func decompressesWhatPythonWrote(_ name: String) throws {
        let payload = [UInt8](try Self.read("payload.bin"))
        let compressed = try Self.read(name)
        #expect(Gzip.isCompressed(compressed))
        #expect(try Gzip.decompress(compressed) == payload)
    }

    @Test func concatenatedMembersAndEmptyPayload() throws {
        let payload = [UInt8](try Self.read("payload.bin"))
        #expect(try Gzip.decompress(try Self.read("two-members.gz")) == payload + payload)
        #expect(try Gzip.decompress(try Self.read("empty.gz")) == [])
        #expect(try Gzip.decompress(try Self.read("empty.gz") + Data(count: 5)) == [])  // zero padding is allowed
    }

    @Test(arguments: ["level-0.gz", "level-6.gz", "fixed.gz"])
    func truncatedCopiesThrow(_ name: String) throws {
        let compressed = try Self.read(name)
        for length in Array(stride(from: 0, to: compressed.count, by: 89)) + Array((compressed.count - 12)..<compressed.count) {
            let error = #expect(throws: SepCNNError.self, "length \(length)") { try Gzip.decompress(compressed.prefix(length)) }
            #expect(error?.kind == .invalidFile)
        }
    }

    /// A flipped byte either leaves the output intact (it hit a header field such as the time
    /// stamp) or is caught: as corrupt data, or by the CRC-32 or length check.
    @Test(arguments: ["level-1.gz", "fixed.gz", "level-0.gz"])
    func corruptedCopiesThrowOrDecodeIntact(_ name: String) throws {
        let payload = [UInt8](try Self.read("payload.bin"))
        let compressed = try Self.read(name)
        var caught = 0
        for index in stride(from: 0, to: compressed.count, by: 37) {
            var copy = compressed
            copy[index] ^= 0x5A
            do {
                #expect(try Gzip.decompress(copy) == payload, "flip at \(index)")
            } catch is SepCNNError { caught += 1 }
        }
        #expect(caught > compressed.count / 37 / 2)
    }

    @Test func wrongMagicAndBadChecksumAreNamed() throws {
        let error = #expect(throws: SepCNNError.self) { try Gzip.decompress(Data("plain text, not gzip".utf8)) }
        #expect(error?.message.contains("magic") == true)
        var compressed = try Self.read("level-6.gz")
        compressed[compressed.count - 8] ^= 1  // the stored CRC-32
        let crcError = #expect(throws: SepCNNError.self) { try Gzip.decompress(compressed) }
        #expect(crcError?.message.contains("CRC-32") == true)
    }

    @Test func outputLimitStopsDecompressionBombs() throws {
        let error = #expect(throws: SepCNNError.self) { try Gzip.decompress(try Self.read("level-9.gz"), limit: 1000) }
        #expect(error?.message.contains("exceeds 1000 bytes") == true)
    }

    @Test func crc32MatchesTheStandardCheckValue() {
        let bytes = Array("123456789".utf8)
        #expect(bytes.withUnsafeBufferPointer { CRC32.checksum($0) } == 0xCBF4_3926)
    }
}

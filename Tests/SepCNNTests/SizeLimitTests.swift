import Foundation
import Testing
@testable import SepCNN

/// Sizes a file claims are checked against a cap, and against the data actually present, before
/// anything of that size is allocated or decompressed (issue 17: a 66-byte PNG allocated 3.1 GB,
/// a 4 MB gzip of an IDX header and zeros 8.5 GB, before either was refused).
@Suite struct SizeLimitTests {
    // MARK: Building files byte by byte

    /// DEFLATE's bit stream: least significant bit first; Huffman codes most significant bit first.
    struct BitWriter {
        var bytes: [UInt8] = []
        var used = 0
        mutating func put(_ value: Int, bits: Int) {
            for i in 0..<bits { putBit((value >> i) & 1) }
        }
        mutating func putCode(_ code: Int, bits: Int) {
            for i in (0..<bits).reversed() { putBit((code >> i) & 1) }
        }
        mutating func putBit(_ bit: Int) {
            if used % 8 == 0 { bytes.append(0) }
            bytes[bytes.count - 1] |= UInt8(bit) << UInt8(used % 8)
            used += 1
        }
    }

    /// One final stored (uncompressed) DEFLATE block of `payload` (at most 65535 bytes).
    static func storedDeflate(_ payload: [UInt8]) -> [UInt8] {
        let n = payload.count
        return [1, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)] + payload
    }

    /// A fixed-Huffman DEFLATE stream of `literals`, then `runs` copies of the previous byte 258 at a
    /// time: 13 bits each, a ratio of 159:1. `literals` must lie in 0...143 (8-bit codes).
    static func bombDeflate(literals: [UInt8], runs: Int) -> [UInt8] {
        var w = BitWriter()
        w.put(1, bits: 1)  // BFINAL
        w.put(1, bits: 2)  // fixed Huffman
        for literal in literals { w.putCode(0x30 + Int(literal), bits: 8) }
        for _ in 0..<runs {
            w.putCode(0xC5, bits: 8)  // length symbol 285: 258 bytes
            w.putCode(0, bits: 5)  // distance symbol 0: distance 1
        }
        w.putCode(0, bits: 7)  // end of block
        return w.bytes
    }

    /// A gzip member around a DEFLATE stream (the trailer's CRC-32 and size are those of `payload`).
    static func gzip(_ deflate: [UInt8], payload: [UInt8]) -> Data {
        let crc = payload.withUnsafeBufferPointer { CRC32.checksum($0) }
        func le(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * UInt32($0))) & 0xFF) } }
        return Data([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF] + deflate + le(crc) + le(UInt32(truncatingIfNeeded: payload.count)))
    }

    static func png(width: Int, height: Int, raw: [UInt8]) -> [UInt8] {
        func be(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
            let typed = Array(type.utf8) + body
            return be(body.count) + typed + be(Int(typed.withUnsafeBufferPointer { CRC32.checksum($0) }))
        }
        let zlib = [0x78, 0x01] + storedDeflate(raw) + be(Int(PNGDecoder.adler32(raw)))
        return PNGDecoder.signature + chunk("IHDR", be(width) + be(height) + [8, 0, 0, 0, 0]) + chunk("IDAT", zlib) + chunk("IEND", [])
    }

    static func message(_ body: () throws -> Any) -> String {
        do { _ = try body(); return "no error" } catch { return "\(error)" }
    }

    // MARK: Images

    @Test func theBuiltPNGDecodes() throws {
        let image = try Image.decode(Self.png(width: 2, height: 2, raw: [0, 10, 20, 0, 30, 40]))
        #expect(image.pixels == [10, 20, 30, 40])
    }

    @Test func aPNGClaimingMorePixelsThanTheCapIsRefusedBeforeDecoding() {
        let text = Self.message { try Image.decode(Self.png(width: 32768, height: 32768, raw: [0])) }
        #expect(text.contains("PNG size 32768×32768 is 1073741824 pixels, more than the 268435456 allowed"), "\(text)")
    }

    @Test func theCapCanBeRaisedOrLowered() throws {
        let file = Self.png(width: 2, height: 2, raw: [0, 10, 20, 0, 30, 40])
        #expect(Self.message { try Image.decode(file, maximumPixels: 3) }.contains("more than the 3 allowed"))
        #expect(try Image.decode(file, maximumPixels: 4).width == 2)
    }

    /// A few bytes of data for a 16384² image: refused once decompressed, before the 256 MiB of pixels exist.
    @Test func aPNGWithLessDataThanItsSizeNeedsIsRefusedBeforeThePixelsAreAllocated() {
        let text = Self.message { try Image.decode(Self.png(width: 16384, height: 16384, raw: [0, 1, 2])) }
        #expect(text.contains("PNG image data is truncated: 3 bytes after decompression, 16384×16384 needs 268451840"), "\(text)")
    }

    @Test func aPPMClaimingMorePixelsThanTheCapIsRefused() {
        let text = Self.message { try Image.decode(Array("P6 32768 32768 255\n\u{1}\u{2}".utf8)) }
        #expect(text.contains("PPM size 32768×32768 is 1073741824 pixels, more than the 268435456 allowed"), "\(text)")
    }

    @Test func anASCIIPPMWithTooFewSamplesIsRefusedBeforeThePixelsAreAllocated() {
        let text = Self.message { try Image.decode(Array("P3 16384 16384 255\n1 2 3".utf8)) }
        #expect(text.contains("needs at least 1610612735 bytes, found 5"), "\(text)")
    }

    // MARK: Decompression

    @Test func aPrefixDecodesNoFurtherThanAsked() throws {
        let bomb = Self.gzip(Self.bombDeflate(literals: [1, 2, 3], runs: 100_000), payload: [])
        #expect(try Gzip.prefix(bomb, count: 5) == [1, 2, 3, 3, 3])
        let short = Self.gzip(Self.storedDeflate([9, 8]), payload: [9, 8])
        #expect(try Gzip.prefix(short, count: 5) == [9, 8])
        #expect(try Gzip.decompress(short) == [9, 8])
    }

    @Test func decompressionPastTheLimitIsRefused() {
        let bomb = Self.gzip(Self.bombDeflate(literals: [0], runs: 10_000), payload: [])
        #expect(Self.message { try Gzip.decompress(bomb, limit: 1000) }.contains("decompressed data exceeds 1000 bytes"))
    }

    /// An IDX header of 2×2×2 bytes followed by 64 MiB of zeros: decompression stops after the 20
    /// bytes the header announces, and the message says so.
    @Test func aCompressedIDXFileIsDecompressedNoFurtherThanItsHeaderAnnounces() throws {
        let header: [UInt8] = [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2]
        let bomb = Self.gzip(Self.bombDeflate(literals: header + [0], runs: (64 << 20) / 258), payload: [])
        let directory = try DatasetTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try bomb.write(to: directory.appendingPathComponent("t10k-images-idx3-ubyte.gz"))
        try DatasetTests.idx([2], [0, 1]).write(to: directory.appendingPathComponent("t10k-labels-idx1-ubyte"))
        let text = Self.message { try Dataset.load(.fashionMNIST, split: .test, from: directory) }
        #expect(text.contains("t10k-images-idx3-ubyte.gz: decompresses to more than the 24 bytes its IDX dimensions [2, 2, 2] announce"), "\(text)")
    }

    /// A (sparse) CIFAR-10 batch file of 1 GiB and a byte is refused from its size, before it is read.
    @Test func aDatasetFileLargerThanTheCapIsRefusedBeforeItIsRead() throws {
        let directory = try DatasetTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("test_batch.bin")
        #expect(FileManager.default.createFile(atPath: url.path, contents: nil))
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: UInt64(DatasetFiles.maximumDecompressedBytes) + 1)
        try handle.close()
        let text = Self.message { try Dataset.load(.cifar10, split: .test, from: directory) }
        #expect(text.contains("test_batch.bin is 1073741825 bytes, more than the 1073741824 a dataset file may hold"), "\(text)")
    }

    @Test func aCompressedIDXFileOfTheAnnouncedSizeLoads() throws {
        let images: [UInt8] = [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2] + (0..<8).map { UInt8($0 * 30) }
        let directory = try DatasetTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.gzip(Self.storedDeflate(images), payload: images).write(to: directory.appendingPathComponent("t10k-images-idx3-ubyte.gz"))
        try DatasetTests.idx([2], [0, 1]).write(to: directory.appendingPathComponent("t10k-labels-idx1-ubyte"))
        let data = try Dataset.load(.fashionMNIST, split: .test, from: directory)
        #expect(data.count == 2 && data.images.scalars[7] == Float(210) / 255)
    }

    /// A saved fashion-sepcnn whose architecture metadata `edit` rewrote, loaded as a model file.
    static func loadFashionModelFile(editingArchitecture edit: (String) throws -> String) throws -> Model {
        let directory = try DatasetTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("model.safetensors")
        try ModelFile.save(try ModelZoo.make("fashion-sepcnn"), to: url)
        var file = try SafetensorsFile(contentsOf: url)
        file.metadata[ModelFile.metadataKey] = try edit(try #require(file.metadata[ModelFile.metadataKey]))
        try file.write(to: url)
        return try ModelFile.load(from: url)
    }

    /// Found by Scripts/robustness_probe.sh: a model file whose architecture claims a depthwise kernel
    /// 2⁶² wide trapped (arithmetic overflow) while its tensors were checked against that
    /// architecture's saturated parameter count, rather than being refused.
    @Test func aModelFileClaimingAnAbsurdKernelIsRefused() throws {
        #expect(throws: SepCNNError.self) {
            try Self.loadFashionModelFile { architecture in
                let range = try #require(architecture.range(of: #""width":3"#))
                return architecture.replacingCharacters(in: range, with: #""width":4611686018427387904"#)
            }
        }
    }

    /// A version-1 architecture names a built-in model, which is built to be described: an entry asking
    /// for 10⁶ classes built a 128 M-weight classifier (512 MB) for a file of a few kilobytes before the
    /// file's size was compared. Now the classifier's size is checked first, against the file's tensors.
    @Test func aVersionOneArchitectureAskingForAMillionClassesIsRefusedBeforeItIsBuilt() throws {
        func version1(classes: Int) -> String {
            #"{"format":"sepcnn-model","version":1,"model":"fashion-sepcnn","options":{"classes":"# + "\(classes)}}"
        }
        let error = try #require(throws: SepCNNError.self) { try Self.loadFashionModelFile { _ in version1(classes: 1_000_000) } }
        #expect(error.message.contains("fashion-sepcnn with 1000000 classes"), "\(error.message)")
        // The same entry with the classes the file's tensors hold still loads.
        #expect(try Self.loadFashionModelFile { _ in version1(classes: 10) }.name == "fashion-sepcnn")
    }
}

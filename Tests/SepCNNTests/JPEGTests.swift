import Foundation
import Testing
@testable import SepCNN

/// JPEG decoding against Pillow (libjpeg-turbo) on the files `Scripts/make_jpeg_fixtures.py` made
/// (Fixtures/jpeg): each `<name>.jpg` beside the pixels Pillow decodes, after `exif_transpose`, in `<name>.bin`.
@Suite struct JPEGTests {
    struct DecodingCase: Decodable, CustomStringConvertible {
        var file: String, width: Int, height: Int, channels: Int
        var description: String { file }
    }

    struct RefusedCase: Decodable, CustomStringConvertible {
        var file: String, mentions: String
        var description: String { file }
    }

    struct FixtureFile: Decodable {
        var cases: [DecodingCase]
        var refused: [RefusedCase]
    }

    static let directory = Fixtures.directory.appendingPathComponent("jpeg")
    static let fixtures: FixtureFile? = {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent("jpeg.json")) else { return nil }
        return try? JSONDecoder().decode(FixtureFile.self, from: data)
    }()

    static func bytes(_ file: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent(file)))
    }

    @Test func fixturesArePresent() {
        #expect((Self.fixtures?.cases.count ?? 0) >= 21, "Fixtures/jpeg/jpeg.json is missing or unreadable")
        #expect((Self.fixtures?.refused.count ?? 0) >= 6)
    }

    /// Gray, 4:4:4, 4:2:2, 4:2:0, 4:4:0, 4:1:1, Adobe RGB, progressive, restart intervals, SOF1 and
    /// every EXIF orientation. The decoder repeats libjpeg's integer IDCT, fancy upsampling and colour
    /// tables, so it matches Pillow exactly (tolerance 0): any slip in those shows here.
    @Test(arguments: fixtures?.cases ?? [])
    func decodesLikePillow(_ c: DecodingCase) throws {
        let image = try Image.read(contentsOf: Self.directory.appendingPathComponent(c.file))
        let expected = try Self.bytes(String(c.file.dropLast(4)) + ".bin")
        #expect(image.width == c.width && image.height == c.height && image.channels == c.channels)
        try #require(image.pixels.count == expected.count)
        let differences = zip(image.pixels, expected).map { abs(Int($0) - Int($1)) }
        let worst = differences.max() ?? 0
        let mean = Double(differences.reduce(0, +)) / Double(differences.count)
        #expect(worst == 0 && mean == 0, "largest difference \(worst), mean \(mean)")
    }

    /// Orientations 5–8 turn the picture a quarter: a 33×17 file reads as 17×33.
    @Test func orientationSwapsSidesOnlyForQuarterTurns() throws {
        for orientation in 2...8 {
            let image = try Image.decode(try Self.bytes("orientation\(orientation)-33x17.jpg"))
            let swapped = orientation >= 5
            #expect(image.width == (swapped ? 17 : 33) && image.height == (swapped ? 33 : 17), "orientation \(orientation)")
        }
    }

    /// Orientation 3 is orientation 1 turned half a turn: the decoder's rotation, not just Pillow's, is checked.
    @Test func halfTurnReversesThePixels() throws {
        let upright = try Image.decode(try Self.bytes("baseline-420-33x17.jpg"))
        var bytes = try Self.bytes("orientation3-33x17.jpg")
        let turned = try Image.decode(bytes)
        // The same file with its Exif segment's marker renamed to APP2 (ignored) decodes unrotated.
        let app1 = try #require(bytes.indices.dropLast().first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xE1 })
        bytes[app1 + 1] = 0xE2
        let plain = try Image.decode(bytes)
        #expect(turned.width == plain.width && turned.height == plain.height)
        let pixels = plain.width * plain.height
        let reversed = (0..<pixels).flatMap { plain.pixels[3 * (pixels - 1 - $0) ..< 3 * (pixels - $0)] }
        #expect(turned.pixels == reversed)
        #expect(plain == upright)  // the same picture, coded the same way, without the tag
    }

    @Test(arguments: fixtures?.refused ?? [])
    func unsupportedModesAreRefusedByName(_ c: RefusedCase) throws {
        do {
            _ = try Image.read(contentsOf: Self.directory.appendingPathComponent(c.file))
            Issue.record("\(c.file) decoded")
        } catch let error as SepCNNError {
            #expect(error.message.contains(c.mentions), "message: \(error.message)")
            #expect(error.message.contains(c.file), "Image.read names the file: \(error.message)")
        }
    }

    /// Every prefix of a baseline and a progressive file throws or decodes; one cut inside the
    /// scan data must throw (libjpeg would fill the rest with gray; SepCNN reports the truncation).
    @Test(arguments: ["baseline-420-33x17.jpg", "progressive-420-33x17.jpg", "restart-420-33x17.jpg"])
    func everyTruncationThrowsOrDecodes(_ file: String) throws {
        let bytes = try Self.bytes(file)
        var thrown = 0
        for length in 0..<bytes.count {
            do { _ = try Image.decode(Array(bytes.prefix(length))) } catch is SepCNNError { thrown += 1 }
        }
        #expect(thrown >= bytes.count / 2, "\(thrown) of \(bytes.count) prefixes threw")
        #expect(throws: SepCNNError.self) { try Image.decode(Array(bytes.prefix(bytes.count - 40))) }
        // Only the EOI marker missing: the image is complete and decodes as it is.
        #expect(try Image.decode(Array(bytes.dropLast(2))) == Image.decode(bytes))
    }

    /// A few hundred random byte changes (seeded) across every kind of file: throw or decode, never crash or hang.
    @Test func randomCorruptionsThrowOrDecode() throws {
        var r = RandomGenerator(seed: 1717)
        var thrown = 0, decoded = 0
        let files = ["baseline-gray-33x17.jpg", "baseline-422-33x17.jpg", "progressive-420-33x17.jpg",
                     "progressive-444-40x24.jpg", "restart-progressive-40x24.jpg", "cjpeg-411-33x17.jpg"]
        for file in files {
            let bytes = try Self.bytes(file)
            for _ in 0..<60 {
                var copy = bytes
                for _ in 0..<(1 + Int(r.next() % 4)) {
                    copy[Int(r.next() % UInt64(copy.count))] = UInt8(truncatingIfNeeded: r.next())
                }
                do {
                    let image = try Image.decode(copy, maximumPixels: 1 << 20)
                    #expect(image.pixels.count == image.width * image.height * image.channels)
                    decoded += 1
                } catch is SepCNNError { thrown += 1 }
            }
        }
        #expect(thrown > 0 && decoded > 0, "\(thrown) threw, \(decoded) decoded")
    }

    /// A header claiming 30000 × 30000 pixels over a few hundred bytes is refused before anything
    /// that large is allocated, by the pixel cap and, under a larger cap, by the bytes present.
    @Test func forgedSizesAreRefusedBeforeAllocating() throws {
        var bytes = try Self.bytes("baseline-420-33x17.jpg")
        let sof = try #require(bytes.indices.dropLast().first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC0 })
        bytes[sof + 5] = 0x75; bytes[sof + 6] = 0x30  // height 30000
        bytes[sof + 7] = 0x75; bytes[sof + 8] = 0x30  // width 30000
        do { _ = try Image.decode(bytes, maximumPixels: 1 << 20); Issue.record("decoded") } catch let error as SepCNNError {
            #expect(error.message.contains("allowed"), "\(error.message)")
        }
        do { _ = try Image.decode(bytes, maximumPixels: 1 << 30); Issue.record("decoded") } catch let error as SepCNNError {
            #expect(error.message.contains("blocks"), "\(error.message)")
        }
        bytes[sof + 5] = 0; bytes[sof + 6] = 0  // height 0 (DNL)
        #expect(throws: SepCNNError.self) { try Image.decode(bytes) }
    }

    /// Entropy data that meets a marker early leaves the rest of the image flat (libjpeg's behaviour):
    /// the scan of a baseline file cut off by an early EOI decodes, gray at the bottom right.
    @Test func scanStoppedByAMarkerLeavesTheRestFlat() throws {
        let bytes = try Self.bytes("baseline-gray-33x17.jpg")
        let sos = try #require(bytes.indices.dropLast().first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xDA })
        let dataStart = sos + 2 + (Int(bytes[sos + 2]) << 8 | Int(bytes[sos + 3]))
        let cut = Array(bytes.prefix(dataStart + 30)) + [0xFF, 0xD9]
        let image = try Image.decode(cut)
        #expect(image.width == 33 && image.height == 17)
        #expect(image.pixels.last == 128)
    }

    /// Code lengths that overfill their code space (five 1-bit codes; two, using the reserved all-ones
    /// code) are refused as libjpeg refuses them, before any lookup table is filled.
    @Test func overfullHuffmanTablesAreRefused() throws {
        let tooMany = [5] + [Int](repeating: 0, count: 15), complete = [2] + [Int](repeating: 0, count: 15)
        #expect(throws: SepCNNError.self) { try JPEGHuffmanTable(counts: tooMany, symbols: [0, 1, 2, 3, 4]) }
        #expect(throws: SepCNNError.self) { try JPEGHuffmanTable(counts: complete, symbols: [0, 1]) }
        let fine = try JPEGHuffmanTable(counts: [1, 1] + [Int](repeating: 0, count: 14), symbols: [7, 9])
        var reader = JPEGBitReader(bytes: [0b0100_0000], position: 0)
        #expect(reader.decode(fine) == 7 && reader.decode(fine) == 9)
    }

    @Test func notAJPEGIsNamedInTheError() {
        do { _ = try Image.decode([0x47, 0x49, 0x46, 0x38]); Issue.record("decoded") } catch let error as SepCNNError {
            #expect(error.message.contains("JPEG"))
        } catch { Issue.record("\(error)") }
    }
}

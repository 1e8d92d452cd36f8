import Foundation
import Testing
@testable import SepCNN

/// Image decoding against Pillow and preprocessing against torchvision, on the files
/// `Scripts/make_image_fixtures.py` made (Fixtures/images).
@Suite struct ImageTests {
    struct DecodingCase: Decodable, CustomStringConvertible {
        var file: String, width: Int, height: Int, channels: Int, pixels: [UInt8]
        var description: String { file }
    }

    struct PreprocessingCase: Decodable {
        var file: String, resize: Int, crop: Int, shape: [Int], data: [Float]
    }

    struct FixtureFile: Decodable {
        var cases: [DecodingCase]
        var preprocessing: PreprocessingCase
    }

    static let directory = Fixtures.directory.appendingPathComponent("images")
    static let fixtures: FixtureFile? = {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent("images.json")) else { return nil }
        return try? JSONDecoder().decode(FixtureFile.self, from: data)
    }()

    @Test func fixturesArePresent() {
        #expect((Self.fixtures?.cases.count ?? 0) >= 13, "Fixtures/images/images.json is missing or unreadable")
    }

    /// Every colour type, bit depths 1/4/8/16, palettes, Adam7 interlacing, stored blocks, binary and ASCII PPM/PGM.
    @Test(arguments: fixtures?.cases ?? [])
    func decodesLikePillow(_ c: DecodingCase) throws {
        let image = try Image.read(contentsOf: Self.directory.appendingPathComponent(c.file))
        #expect(image.width == c.width && image.height == c.height && image.channels == c.channels)
        #expect(image.pixels == c.pixels)
    }

    /// Antialiased bilinear resize and centre crop as torchvision's Resize + CenterCrop (PIL backend).
    /// Tolerance 0.02 after normalisation (≈ 1/255 · 1/0.225 plus rounding): Pillow resamples in
    /// fixed point and rounds to 8 bits between the two passes; SepCNN stays in floats.
    @Test func preprocessesLikeTorchvision() throws {
        let p = try #require(Self.fixtures?.preprocessing)
        let image = try Image.read(contentsOf: Self.directory.appendingPathComponent(p.file))
        let preprocessing = ImagePreprocessing(size: Size2D(p.crop), resizeShorterSide: p.resize,
                                               mean: ImagePreprocessing.imageNetMean,
                                               standardDeviation: ImagePreprocessing.imageNetStandardDeviation)
        let tensor = try preprocessing.tensor(from: [image], channels: 3)
        #expect(tensor.shape == [1] + p.shape)
        let worst = zip(tensor.scalars, p.data).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst <= 0.02, "largest difference \(worst)")
    }

    @Test func imageNetRecipeResizesTo256For224() {
        #expect(ImagePreprocessing.imageNet(size: 224).resizeShorterSide == 256)
    }

    @Test func grayAndColourConvert() throws {
        let gray = try Image(width: 2, height: 1, channels: 1, pixels: [10, 200])
        #expect(gray.rgb().pixels == [10, 10, 10, 200, 200, 200])
        #expect(gray.rgb().gray().pixels == [10, 200])
    }

    /// Truncations and byte flips of every fixture: each either decodes or throws, never crashes.
    @Test func damagedFilesThrowOrDecode() throws {
        var r = RandomGenerator(seed: 61)
        var thrown = 0
        for c in Self.fixtures?.cases ?? [] {
            let bytes = Array(try Data(contentsOf: Self.directory.appendingPathComponent(c.file)))
            var variants: [[UInt8]] = (0..<8).map { _ in Array(bytes.prefix(Int(r.next() % UInt64(bytes.count)))) }
            for _ in 0..<24 {
                var copy = bytes
                for _ in 0..<(1 + Int(r.next() % 3)) {
                    copy[Int(r.next() % UInt64(copy.count))] ^= UInt8(truncatingIfNeeded: 1 + r.next() % 255)
                }
                variants.append(copy)
            }
            for variant in variants {
                do { _ = try Image.decode(variant) } catch is SepCNNError { thrown += 1 }
            }
        }
        #expect(thrown > 0)
    }

    @Test func forgedHeadersAreRefused() throws {
        // A PPM claiming 100000 × 100000 pixels, and one whose data stops early.
        #expect(throws: SepCNNError.self) { try Image.decode(Array("P6 100000 100000 255\n".utf8)) }
        #expect(throws: SepCNNError.self) { try Image.decode(Array("P5 4 4 255\n\u{1}\u{2}".utf8)) }
        #expect(throws: SepCNNError.self) { try Image.decode([0x47, 0x49, 0x46, 0x38]) }  // GIF
    }
}

@Suite struct ImageClassifierTests {
    @Test func topClassesAreTheSoftmaxOfTheLogitsInOrder() throws {
        let model = try Random.withSeed(71) { try ModelZoo.make("sepcnn-example", options: ModelOptions(resolution: 16, classes: 6)) }
        let image = try Image.read(contentsOf: ImageTests.directory.appendingPathComponent("photo.png"))
        let preprocessing = ImagePreprocessing.imageNet(size: 16)
        let labels = ["a", "b", "c", "d", "e", "f"]
        let classifier = try ImageClassifier(model: model, preprocessing: preprocessing, labels: labels)
        let predictions = try classifier.classify([image], top: 6)[0]
        let logits = try model(try preprocessing.tensor(from: [image], channels: 3)).scalars
        let exps = logits.map { exp(Double($0 - logits.max()!)) }
        let expected = exps.map { $0 / exps.reduce(0, +) }
        #expect(predictions.count == 6)
        #expect(predictions.map(\.probability) == predictions.map(\.probability).sorted(by: >))
        for p in predictions {
            #expect(abs(Double(p.probability) - expected[p.classIndex]) < 1e-4)
            #expect(p.label == labels[p.classIndex])
        }
        #expect(try classifier.classify([image], top: 2)[0] == Array(predictions.prefix(2)))
    }

    @Test func labelsMustMatchTheClasses() throws {
        let model = try ModelZoo.make("sepcnn-example", options: ModelOptions(resolution: 16, classes: 6))
        #expect(throws: SepCNNError.self) {
            try ImageClassifier(model: model, preprocessing: .imageNet(size: 16), labels: ["only", "three", "names"])
        }
    }
}

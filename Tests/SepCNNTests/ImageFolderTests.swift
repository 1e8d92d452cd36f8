import Foundation
import Testing
@testable import SepCNN

/// `--dataset folder`: one subfolder per class, images of any size and kind resized to the model's input.
@Suite struct ImageFolderTests {
    /// A binary PPM (P6) of `width × height` pixels of one colour with a little seeded noise.
    static func ppm(width: Int, height: Int, colour: [Int], generator: inout RandomGenerator) -> Data {
        var bytes = Array("P6\n\(width) \(height)\n255\n".utf8)
        for _ in 0..<(width * height) {
            for c in colour { bytes.append(UInt8(clamping: c + Int(generator.uniform(-30, 30)))) }
        }
        return Data(bytes)
    }

    /// `root/red`, `root/green`, `root/blue`, images of mixed sizes (and one gray PGM), plus a stray text file.
    static func makeFolder(_ root: URL, perClass: Int, seed: UInt64) throws {
        var generator = RandomGenerator(seed: seed)
        for (name, colour) in [("red", [220, 40, 40]), ("green", [40, 200, 40]), ("blue", [40, 40, 220])] {
            let folder = root.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for i in 0..<perClass {
                let size = 10 + i % 7
                try ppm(width: size, height: size + 3, colour: colour, generator: &generator)
                    .write(to: folder.appendingPathComponent(String(format: "%03d.ppm", i)))
            }
        }
        try Data("P5\n4 4\n255\n".utf8 + [UInt8](repeating: 128, count: 16)).write(to: root.appendingPathComponent("red/gray.pgm"))
        try Data("not an image".utf8).write(to: root.appendingPathComponent("green/notes.txt"))
    }

    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sepcnn-folder-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test func aFolderOfClassFoldersTrainsAndEvaluates() throws {
        let root = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        try Self.makeFolder(root.appendingPathComponent("train"), perClass: 24, seed: 1)
        try Self.makeFolder(root.appendingPathComponent("test"), perClass: 8, seed: 2)
        #expect(Dataset.imageFolderSplits(root))

        let train = try Dataset.load(.folder, split: .train, from: root, imageShape: [8, 8, 3])
        #expect(train.classNames == ["blue", "green", "red"])  // sorted folder names
        #expect(train.count == 73 && train.images.shape == [73, 8, 8, 3])  // the stray text file skipped, the PGM read as RGB
        #expect(train.labels.filter { $0 == 2 }.count == 25)
        let test = try Dataset.load(.folder, split: .test, from: root, imageShape: [8, 8, 3])
        #expect(test.count == 25)

        let model = try Random.withSeed(3) {
            try ModelZoo.make("fashion-sepcnn", options: ModelOptions(resolution: 8, classes: 3, inputChannels: 3))
        }
        #expect(model.inputShape == [8, 8, 3])
        var recipe = TrainingConfiguration()
        recipe.epochs = 15
        recipe.batchSize = 8
        recipe.learningRate = 1e-2
        let trainer = try Trainer(model: model, configuration: recipe)
        try trainer.fit(training: train, validation: nil)
        let evaluation = try Trainer.evaluate(model, on: test)
        #expect(evaluation.accuracy > 0.9, "colours this distinct should be learned, got \(evaluation.accuracy)")
    }

    @Test func aFolderWithoutSplitsIsOneSetAtTheFirstImagesSize() throws {
        let root = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        try Self.makeFolder(root, perClass: 3, seed: 4)
        #expect(!Dataset.imageFolderSplits(root))
        let all = try Dataset.load(.folder, split: .train, from: root)
        #expect(all.imageShape == [13, 10, 3] && all.count == 10)
        let gray = try Dataset.imageFolder(root, imageShape: [5, 5, 1])
        #expect(gray.images.shape == [10, 5, 5, 1])
    }

    /// The files users have: JPEG photos and PNG files side by side, in any mode and size.
    @Test func jpegAndPNGFilesTrainTogether() throws {
        let root = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let jpeg = Fixtures.directory.appendingPathComponent("jpeg")
        let classes = ["gray": ["baseline-gray-33x17.jpg", "progressive-gray-33x17.jpg"],
                       "colour": ["baseline-420-40x24.jpg", "progressive-444-40x24.jpg", "orientation6-33x17.jpg"]]
        for (name, files) in classes {
            let folder = root.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for file in files { try FileManager.default.copyItem(at: jpeg.appendingPathComponent(file), to: folder.appendingPathComponent(file)) }
        }
        try FileManager.default.copyItem(at: Fixtures.directory.appendingPathComponent("images/photo.png"),
                                         to: root.appendingPathComponent("colour/photo.png"))
        let data = try Dataset.imageFolder(root, imageShape: [12, 12, 3])
        #expect(data.classNames == ["colour", "gray"] && data.count == 6)
        #expect(data.labels == [0, 0, 0, 0, 1, 1])
        // Each image is its file's pixels, resized: the first gray JPEG, as RGB, has equal channels.
        let first = data.images.scalars[(4 * 144 * 3)...].prefix(3)
        #expect(first.allSatisfy { $0 == first.first })
        let model = try Random.withSeed(1) { try ModelZoo.make("fashion-sepcnn", options: ModelOptions(resolution: 12, classes: 2, inputChannels: 3)) }
        var recipe = TrainingConfiguration()
        recipe.epochs = 1
        recipe.batchSize = 3
        let trainer = try Trainer(model: model, configuration: recipe)
        try trainer.fit(training: data, validation: data)
        #expect(trainer.progress.history.first?.validationAccuracy != nil)
    }

    @Test func badFoldersAreRefusedNamingWhatIsWrong() throws {
        let root = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let none = #expect(throws: SepCNNError.self) { try Dataset.imageFolder(root, imageShape: [8, 8, 3]) }
        #expect(none?.message.contains("no class folders") == true)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("cat"), withIntermediateDirectories: true)
        let empty = #expect(throws: SepCNNError.self) { try Dataset.imageFolder(root, imageShape: [8, 8, 3]) }
        #expect(empty?.message.contains("cat") == true && empty?.message.contains("holds no images") == true)
        try Data([0xFF, 0xD8, 0xFF, 0xE0, 0, 1]).write(to: root.appendingPathComponent("cat/broken.jpg"))
        let corrupt = #expect(throws: SepCNNError.self) { try Dataset.imageFolder(root, imageShape: [8, 8, 3]) }
        #expect(corrupt?.message.contains("broken.jpg") == true)
        #expect(throws: SepCNNError.self) { try Dataset.imageFolder(root.appendingPathComponent("missing"), imageShape: [8, 8, 3]) }
        #expect(throws: SepCNNError.self) { try Dataset.imageFolder(root, imageShape: [8, 8, 4]) }
    }

    @Test func builtInModelsTakeGrayOrColourInputs() throws {
        for name in ["mobilenet-v1", "mobilenet-v2", "sepcnn-example", "fashion-sepcnn"] {
            let gray = try ModelZoo.make(name, options: ModelOptions(resolution: 32, classes: 10, inputChannels: 1))
            #expect(gray.inputShape == [32, 32, 1])
            let colour = try ModelZoo.make(name, options: ModelOptions(resolution: 32, classes: 10, inputChannels: 3))
            #expect(colour.inputShape == [32, 32, 3])
            // Saved and loaded, the channels stay.
            let again = try Model(try gray.modelDescription())
            #expect(again.inputShape == [32, 32, 1])
        }
        #expect(throws: SepCNNError.self) { try ModelZoo.make("mobilenet-v2", options: ModelOptions(inputChannels: 2)) }
        // The default options describe the same model as before the option existed.
        #expect(try ModelZoo.make("mobilenet-v2").options.inputChannels == nil)
    }
}

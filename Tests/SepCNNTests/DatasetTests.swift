import Foundation
import Testing
@testable import SepCNN

@Suite struct DatasetTests {
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sepcnn-data-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func idx(_ dims: [UInt32], _ data: [UInt8], magic: [UInt8]? = nil) -> Data {
        var bytes = magic ?? [0, 0, 8, UInt8(dims.count)]
        for d in dims { bytes += [UInt8(d >> 24), UInt8(d >> 16 & 0xFF), UInt8(d >> 8 & 0xFF), UInt8(d & 0xFF)] }
        return Data(bytes + data)
    }

    /// Writes a 3-image 2×2 MNIST-style test split into a fresh directory.
    static func mnistDirectory(images: Data? = nil, labels: Data? = nil) throws -> URL {
        let directory = try temporaryDirectory()
        try (images ?? idx([3, 2, 2], (0..<12).map { UInt8($0 * 20) })).write(to: directory.appendingPathComponent("t10k-images-idx3-ubyte"))
        try (labels ?? idx([3], [7, 0, 9])).write(to: directory.appendingPathComponent("t10k-labels-idx1-ubyte"))
        return directory
    }

    @Test func readsIDXFilesScaledToUnitRange() throws {
        let directory = try Self.mnistDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = try Dataset.load(.mnist, split: .test, from: directory)
        #expect(data.images.shape == [3, 2, 2, 1])
        #expect(data.labels == [7, 0, 9])
        #expect(data.images.scalars[5] == Float(100) / 255)
        #expect(data.classNames.count == 10)
    }

    static let badIDX: [(name: String, images: Data?, labels: Data?, message: String)] = [
        ("wrong magic", idx([3, 2, 2], [UInt8](repeating: 0, count: 12), magic: [0, 0, 9, 3]), nil, "wrong magic"),
        ("wrong rank", idx([3, 4], [UInt8](repeating: 0, count: 12)), nil, "2 dimensions, expected 3"),
        ("truncated data", idx([3, 2, 2], [UInt8](repeating: 0, count: 11)), nil, "truncated"),
        ("truncated header", Data([0, 0, 8, 3, 0, 0]), nil, "truncated"),
        ("trailing bytes", idx([3, 2, 2], [UInt8](repeating: 0, count: 13)), nil, "1 bytes after the data"),
        ("overflowing dimensions", idx([0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF], []), nil, "more than the 1073741824 bytes SepCNN loads"),
        ("count mismatch", nil, idx([2], [1, 2]), "holds 3 images but t10k-labels-idx1-ubyte holds 2 labels"),
        ("label out of range", nil, idx([3], [1, 10, 2]), "label 10 of image 1 is outside 0..<10"),
    ]

    @Test(arguments: badIDX.map(\.name))
    func badIDXFilesThrowNamingTheProblem(_ name: String) throws {
        let c = Self.badIDX.first { $0.name == name }!
        let directory = try Self.mnistDirectory(images: c.images, labels: c.labels)
        defer { try? FileManager.default.removeItem(at: directory) }
        let error = #expect(throws: SepCNNError.self) { try Dataset.load(.fashionMNIST, split: .test, from: directory) }
        #expect(error?.message.contains(c.message) == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("t10k-") == true)
    }

    @Test func missingFilesAreNamed() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let error = #expect(throws: SepCNNError.self) { try Dataset.load(.mnist, split: .train, from: directory) }
        #expect(error?.message.contains("train-images-idx3-ubyte.gz") == true)
        let cifar = #expect(throws: SepCNNError.self) { try Dataset.load(.cifar10, split: .test, from: directory) }
        #expect(cifar?.message.contains("test_batch.bin") == true)
    }

    static func cifarRecord(label: UInt8, seed: UInt8) -> [UInt8] {
        [label] + (0..<3072).map { UInt8(truncatingIfNeeded: Int($0) * 7 + Int(seed)) }
    }

    @Test func readsCIFARFromTheDirectoryOrItsSubdirectory() throws {
        let root = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let nested = root.appendingPathComponent("cifar-10-batches-bin")
        try FileManager.default.createDirectory(at: nested, withIntermediateDirectories: true)
        let records = Self.cifarRecord(label: 3, seed: 0) + Self.cifarRecord(label: 9, seed: 5)
        try Data(records).write(to: nested.appendingPathComponent("test_batch.bin"))
        for directory in [root, nested] {
            let data = try Dataset.load(.cifar10, split: .test, from: directory)
            #expect(data.images.shape == [2, 32, 32, 3] && data.labels == [3, 9])
            // HWC pixel (y 1, x 2) channel c comes from plane c at offset 1·32 + 2.
            for c in 0..<3 {
                #expect(data.images[1, 1, 2, c] == Float(records[3073 + 1 + c * 1024 + 34]) / 255)
            }
            #expect(data.classNames[3] == "cat")
        }
        try Data(records.dropLast()).write(to: nested.appendingPathComponent("test_batch.bin"))
        let truncated = #expect(throws: SepCNNError.self) { try Dataset.load(.cifar10, split: .test, from: root) }
        #expect(truncated?.message.contains("test_batch.bin") == true && truncated?.message.contains("truncated") == true)
        try Data(Self.cifarRecord(label: 10, seed: 0)).write(to: nested.appendingPathComponent("test_batch.bin"))
        let label = #expect(throws: SepCNNError.self) { try Dataset.load(.cifar10, split: .test, from: root) }
        #expect(label?.message.contains("label 10") == true)
    }

    @Test func gzipCorruptionIsReportedWithTheFileName() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var labels = try Data(contentsOf: try Dataset.embeddedFashionMNISTDirectory().appendingPathComponent("t10k-labels-idx1-ubyte.gz"))
        labels[labels.count / 2] ^= 0xFF
        try labels.write(to: directory.appendingPathComponent("t10k-labels-idx1-ubyte.gz"))
        try Self.idx([3, 2, 2], [UInt8](repeating: 0, count: 12)).write(to: directory.appendingPathComponent("t10k-images-idx3-ubyte"))
        let error = #expect(throws: SepCNNError.self) { try Dataset.load(.fashionMNIST, split: .test, from: directory) }
        #expect(error?.message.contains("t10k-labels-idx1-ubyte.gz") == true)
    }

    /// Reference values from Python's gzip module on the same files.
    @Test func embeddedFashionMNISTHoldsTrainingImagesAndSeparateTestImages() throws {
        let (train, test) = try Dataset.embeddedFashionMNIST()
        #expect(train.images.shape == [8000, 28, 28, 1] && test.images.shape == [2000, 28, 28, 1])
        #expect(train.classNames[0] == "T-shirt/top" && train.classNames[9] == "Ankle boot")
        for label in 0..<10 {
            #expect(train.labels.filter { $0 == label }.count == 800)
            #expect(test.labels.filter { $0 == label }.count == 200)
        }
        #expect(Array(train.labels.prefix(10)) == [0, 5, 9, 3, 6, 8, 2, 7, 9, 3])
        #expect(Array(test.labels.prefix(10)) == [7, 7, 8, 2, 3, 7, 5, 9, 7, 5])
        #expect(abs(train.images.scalars.prefix(784).reduce(0.0) { $0 + Double($1) * 255 } - 28662) < 0.01)
        #expect(abs(train.images.scalars.suffix(784).reduce(0.0) { $0 + Double($1) * 255 } - 37062) < 0.01)
        #expect(abs(test.images.scalars.prefix(784).reduce(0.0) { $0 + Double($1) * 255 } - 25492) < 0.01)
        #expect(abs(test.images.scalars.suffix(784).reduce(0.0) { $0 + Double($1) * 255 } - 59558) < 0.01)
        // No test image is also a training image.
        let size = 784
        var trainImages = Set<[Float]>()
        for i in 0..<train.count { trainImages.insert(Array(train.images.scalars[i * size ..< (i + 1) * size])) }
        #expect((0..<test.count).allSatisfy { !trainImages.contains(Array(test.images.scalars[$0 * size ..< ($0 + 1) * size])) })
    }

    @Test func validationSplitIsStratifiedSeededAndDisjoint() throws {
        let train = try Dataset.embeddedFashionMNIST().train
        let (rest, validation) = try train.validationSplit(0.1, seed: 7)
        #expect(rest.count == 7200 && validation.count == 800)
        for label in 0..<10 { #expect(validation.labels.filter { $0 == label }.count == 80) }
        let size = 784
        var held = Set<[Float]>()
        for i in 0..<validation.count { held.insert(Array(validation.images.scalars[i * size ..< (i + 1) * size])) }
        let overlap = (0..<rest.count).filter { held.contains(Array(rest.images.scalars[$0 * size ..< ($0 + 1) * size])) }.count
        #expect(overlap == 0)
        // The same seed gives the same split; another seed another one.
        let again = try train.validationSplit(0.1, seed: 7)
        #expect(again.validation.labels == validation.labels && again.validation.images == validation.images)
        let other = try train.validationSplit(0.1, seed: 8)
        #expect(other.validation.images != validation.images)
        #expect(throws: SepCNNError.self) { try train.validationSplit(1, seed: 0) }
        #expect(throws: SepCNNError.self) { try train.validationSplit(0, seed: 0) }
    }

    @Test func normalizationIsPerChannel() throws {
        let data = try Dataset(images: try Tensor(shape: [1, 1, 2, 2], scalars: [0, 1, 0.5, 0.25]), labels: [0], classNames: ["a"])
        let normalized = try data.normalized(mean: [0.5, 0.25], std: [0.5, 0.25])
        #expect(normalized.images.scalars == [-1, 3, 0, 0])
        #expect(throws: SepCNNError.self) { try data.normalized(mean: [0.5], std: [1]) }
        #expect(throws: SepCNNError.self) { try data.normalized(mean: [0, 0], std: [1, 0]) }
    }
}

import ArgumentParser
import Foundation
import SepCNN

/// Which labelled images a training or evaluation command reads.
struct DataArguments: ParsableArguments {
    @Option(help: "Dataset: fashion-mnist, mnist, cifar10, or folder (--data DIR with one subfolder of images per class, or train/ and test/ folders of them; default fashion-mnist).")
    var dataset: String?

    @Option(help: "Directory with the dataset's files as published (Debian's dataset-fashion-mnist package has them). Without it, the Fashion-MNIST images embedded in SepCNN (8,000 of the official training split to train and validate on, 2,000 of the test split to evaluate on).")
    var data: String?

    var datasetText: String { dataset ?? DatasetName.fashionMNIST.rawValue }

    func validate() throws {
        _ = try source()
    }

    /// The dataset these options name (directory made absolute, so a checkpoint records where it is).
    func source() throws -> DataSource {
        guard let name = DatasetName(rawValue: datasetText) else {
            throw ValidationError("unknown dataset '\(datasetText)'; choose one of \(DatasetName.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if data == nil && name != .fashionMNIST {
            throw ValidationError("--dataset \(datasetText) needs --data DIR (only Fashion-MNIST is embedded)")
        }
        return DataSource(name: name, directory: data.map { URL(fileURLWithPath: $0).standardizedFileURL.path })
    }

    /// Training images and the held-out share of them the epochs are checked on.
    func trainingSplits(validationSplit: Double = 0.1, seed: UInt64 = 0) throws -> TrainingSplits {
        try source().trainingSplits(validationSplit: validationSplit, seed: seed)
    }

    /// The images an evaluation reads: the test split (the embedded test images without --data).
    func evaluationSet(for model: Model) throws -> (data: Dataset, name: String) {
        var source = try source()
        source.imageShape = model.inputShape
        return (try source.test(), source.hasSeparateTestSplit ? "test" : "folder")
    }
}

/// A dataset by name and place: a directory holding its files as published, or nil for the
/// embedded Fashion-MNIST subset.
struct DataSource: Equatable {
    var name: DatasetName
    var directory: String?
    /// The size an image folder is read at (the model's input); other datasets have their own.
    var imageShape: [Int]?

    static func == (a: DataSource, b: DataSource) -> Bool { a.name == b.name && a.directory == b.directory }

    func train() throws -> Dataset {
        guard let directory else { return try Dataset.embeddedFashionMNIST().train }
        return try Dataset.load(name, split: .train, from: URL(fileURLWithPath: directory), imageShape: imageShape)
    }

    func test() throws -> Dataset {
        guard let directory else { return try Dataset.embeddedFashionMNIST().test }
        return try Dataset.load(name, split: .test, from: URL(fileURLWithPath: directory), imageShape: imageShape)
    }

    /// The class names of an image folder's training images, from its folder names alone.
    func folderClassNames() throws -> [String] {
        let url = URL(fileURLWithPath: directory ?? "")
        return try Dataset.imageFolderClassNames(Dataset.imageFolderSplits(url) ? url.appendingPathComponent("train") : url)
    }

    /// Whether there is a test split apart from the training images.
    var hasSeparateTestSplit: Bool {
        name != .folder || directory.map { Dataset.imageFolderSplits(URL(fileURLWithPath: $0)) } == true
    }

    /// The training split (`all`, if already read) less `validationSplit` of it (stratified,
    /// seeded), and that share; no validation set for a split of 0. The test split is not read.
    func trainingSplits(validationSplit: Double, seed: UInt64, of all: Dataset? = nil) throws -> TrainingSplits {
        let all = try all ?? train()
        guard validationSplit > 0 else { return TrainingSplits(train: all, validation: nil) }
        let (train, validation) = try all.validationSplit(validationSplit, seed: seed)
        return TrainingSplits(train: train, validation: validation)
    }

    /// How messages name the data: `embedded fashion-mnist`, `mnist from DIR`, `folder DIR`.
    var description: String {
        guard let directory else { return "embedded \(name.rawValue)" }
        return name == .folder ? "folder \(directory)" : "\(name.rawValue) from \(directory)"
    }
}

struct TrainingSplits {
    var train: Dataset
    var validation: Dataset?
}

/// The note printed (to standard error, so JSON output stays clean) when a dataset's images do not
/// have the shape the model takes and are adapted (`InputAdapter`); nil if they fit, or cannot be
/// adapted (training and evaluation then say why).
func adaptationNote(images: [Int], model: Model) -> String? {
    guard let adapter = try? InputAdapter(from: images, to: model.inputShape), !adapter.isIdentity else { return nil }
    return "note: the \(adapter.summary) for the model"
}

func printNote(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

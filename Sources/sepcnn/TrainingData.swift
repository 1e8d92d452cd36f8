import ArgumentParser
import Foundation
import SepCNN

/// Which labelled images a training or evaluation command reads.
struct DataArguments: ParsableArguments {
    @Option(help: "Dataset: fashion-mnist, mnist or cifar10.")
    var dataset = "fashion-mnist"

    @Option(help: "Directory with the dataset's files as published (e.g. /usr/share/datasets/fashion-mnist). Without it, the Fashion-MNIST images embedded in SepCNN (8,000 to train, 2,000 to validate).")
    var data: String?

    func datasetName() throws -> DatasetName {
        guard let name = DatasetName(rawValue: dataset) else {
            throw ValidationError("unknown dataset '\(dataset)'; choose one of \(DatasetName.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return name
    }

    func validate() throws {
        _ = try datasetName()
        if data == nil && dataset != DatasetName.fashionMNIST.rawValue {
            throw ValidationError("--dataset \(dataset) needs --data DIR (only Fashion-MNIST is embedded)")
        }
    }

    /// Training images, and the images each epoch is checked on with their name: the test split
    /// of a dataset on disk, the held-out 2,000 of the embedded set.
    func trainingSplits() throws -> (train: Dataset, validation: Dataset, validationName: String) {
        guard let data else {
            let embedded = try Dataset.embeddedFashionMNIST()
            return (embedded.train, embedded.validation, "validation")
        }
        let name = try datasetName()
        let directory = URL(fileURLWithPath: data)
        return (try Dataset.load(name, split: .train, from: directory), try Dataset.load(name, split: .test, from: directory), "test")
    }

    /// The images an evaluation reads: the test split, or the embedded validation images.
    func evaluationSet() throws -> (data: Dataset, name: String) {
        guard let data else { return (try Dataset.embeddedFashionMNIST().validation, "embedded validation") }
        let name = try datasetName()
        return (try Dataset.load(name, split: .test, from: URL(fileURLWithPath: data)), "test")
    }
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

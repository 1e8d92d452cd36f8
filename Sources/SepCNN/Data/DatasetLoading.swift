import Foundation

/// The datasets SepCNN reads from disk, by the names the CLI uses.
public enum DatasetName: String, Sendable, CaseIterable {
    case mnist = "mnist"
    case fashionMNIST = "fashion-mnist"
    case cifar10 = "cifar10"
}

public enum DatasetSplit: String, Sendable {
    case train, test
}

extension Dataset {
    /// Loads a split of a dataset from `directory`, which holds the files as their publishers
    /// distribute them:
    /// - `mnist`, `fashion-mnist`: `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
    ///   `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`, each plain or gzipped (`.gz`);
    /// - `cifar10`: `data_batch_1.bin` ... `data_batch_5.bin` and `test_batch.bin`, in `directory`
    ///   itself or in its `cifar-10-batches-bin` subdirectory.
    /// Images are scaled to 0...1. A missing, truncated or malformed file throws an error naming
    /// the file and the problem.
    public static func load(_ name: DatasetName, split: DatasetSplit, from directory: URL) throws -> Dataset {
        switch name {
        case .mnist: return try mnistStyle(directory, split: split, classNames: mnistClassNames)
        case .fashionMNIST: return try mnistStyle(directory, split: split, classNames: fashionMNISTClassNames)
        case .cifar10: return try cifar10(directory, split: split)
        }
    }
}

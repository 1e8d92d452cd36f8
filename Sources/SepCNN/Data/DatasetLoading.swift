import Foundation

/// The datasets SepCNN reads from disk, by the names the CLI uses.
public enum DatasetName: String, Sendable, CaseIterable {
    case mnist = "mnist"
    case fashionMNIST = "fashion-mnist"
    case cifar10 = "cifar10"
    /// A folder of images with one subfolder per class (`Dataset.imageFolder`).
    case folder = "folder"
}

public enum DatasetSplit: String, Sendable, CaseIterable {
    case train, test
}

extension Dataset {
    /// Loads a split of a dataset from `directory`, which holds the files as their publishers
    /// distribute them:
    /// - `mnist`, `fashion-mnist`: `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
    ///   `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`, each plain or gzipped (`.gz`);
    /// - `cifar10`: `data_batch_1.bin` ... `data_batch_5.bin` and `test_batch.bin`, in `directory`
    ///   itself or in its `cifar-10-batches-bin` subdirectory.
    /// - `folder`: one subfolder per class (`imageFolder(_:imageShape:)`), read at `imageShape`
    ///   (default: the first image's size, in colour); the split is the `train` or `test` subfolder
    ///   when `directory` has both (`imageFolderSplits(_:)`), else the whole folder.
    /// Images are scaled to 0...1. A missing, truncated or malformed file throws an error naming
    /// the file and the problem.
    public static func load(_ name: DatasetName, split: DatasetSplit, from directory: URL, imageShape: [Int]? = nil) throws -> Dataset {
        switch name {
        case .mnist: return try mnistStyle(directory, split: split, classNames: mnistClassNames)
        case .fashionMNIST: return try mnistStyle(directory, split: split, classNames: fashionMNISTClassNames)
        case .cifar10: return try cifar10(directory, split: split)
        case .folder:
            let folder = imageFolderSplits(directory) ? directory.appendingPathComponent(split.rawValue) : directory
            return try imageFolder(folder, imageShape: try imageShape ?? firstImageShape(in: folder))
        }
    }

    /// Whether an image folder comes split: `train` and `test` subfolders, each with class folders.
    public static func imageFolderSplits(_ directory: URL) -> Bool {
        DatasetSplit.allCases.allSatisfy { split in
            (try? imageFolderClassNames(directory.appendingPathComponent(split.rawValue))) != nil
        }
    }

    /// `[height, width, 3]` of the first image in the first class folder.
    static func firstImageShape(in directory: URL) throws -> [Int] {
        let classes = try imageFolderClassNames(directory)
        guard let first = imageFiles(in: directory.appendingPathComponent(classes[0])).first else {
            throw SepCNNError.invalidFile("the class folder \(directory.appendingPathComponent(classes[0]).path) holds no images (PNG, PPM, PGM or JPEG files)")
        }
        let image = try Image.read(contentsOf: first)
        return [image.height, image.width, 3]
    }
}

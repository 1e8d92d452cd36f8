import Foundation

extension Dataset {
    /// Class names of Fashion-MNIST (https://github.com/zalandoresearch/fashion-mnist).
    public static let fashionMNISTClassNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
    public static let mnistClassNames = (0..<10).map(String.init)

    /// An IDX image file `[N, H, W]` and label file `[N]` as a dataset of `[N, H, W, 1]` images in 0...1.
    static func idx(images imagesURL: URL, labels labelsURL: URL, classNames: [String]) throws -> Dataset {
        let imageBytes = try DatasetFiles.readIDX(imagesURL, rank: 3), labelBytes = try DatasetFiles.readIDX(labelsURL, rank: 1)
        let (dims, pixels) = try IDXReader.read(imageBytes, file: imagesURL.path, expectedRank: 3)
        let (labelDims, labelRange) = try IDXReader.read(labelBytes, file: labelsURL.path, expectedRank: 1)
        guard dims[0] == labelDims[0] else {
            throw SepCNNError.invalidFile(
                "\(imagesURL.lastPathComponent) holds \(dims[0]) images but \(labelsURL.lastPathComponent) holds \(labelDims[0]) labels")
        }
        let labels = labelBytes[labelRange].map(Int.init)
        if let bad = labels.firstIndex(where: { $0 >= classNames.count }) {
            throw SepCNNError.invalidFile("\(labelsURL.path): label \(labels[bad]) of image \(bad) is outside 0..<\(classNames.count)")
        }
        var images = Tensor(uncheckedShape: [dims[0], dims[1], dims[2], 1])
        let count = images.count
        imageBytes.withUnsafeBufferPointer { source in
            images.withMutablePointer { x in
                let base = source.baseAddress! + pixels.lowerBound
                // Divide, as torchvision's ToTensor does; multiplying by 1/255 differs in the last bit.
                for i in 0..<count { x[i] = Float(base[i]) / 255 }
            }
        }
        return try Dataset(images: images, labels: labels, classNames: classNames)
    }

    /// MNIST or Fashion-MNIST from `directory`: `train-images-idx3-ubyte` and
    /// `train-labels-idx1-ubyte` (training split) or `t10k-...` (test split), each plain or `.gz`.
    static func mnistStyle(_ directory: URL, split: DatasetSplit, classNames: [String]) throws -> Dataset {
        let prefix = split == .train ? "train" : "t10k"
        let images = try DatasetFiles.find(["\(prefix)-images-idx3-ubyte", "\(prefix)-images-idx3-ubyte.gz", "\(prefix)-images.idx3-ubyte"], in: directory)
        let labels = try DatasetFiles.find(["\(prefix)-labels-idx1-ubyte", "\(prefix)-labels-idx1-ubyte.gz", "\(prefix)-labels.idx1-ubyte"], in: directory)
        return try idx(images: images, labels: labels, classNames: classNames)
    }
}

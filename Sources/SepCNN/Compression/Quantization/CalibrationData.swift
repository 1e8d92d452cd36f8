import Foundation

/// Representative inputs for calibration, as batches of the model's input shape: images drawn
/// from a dataset's training split, or read from a folder of image files.
public enum CalibrationData {
    /// Up to `samples` of `dataset`'s images in a seeded random order, adapted to the model's input
    /// as training adapts them (`InputAdapter`). Throws if there are none or they cannot be adapted.
    ///
    /// - Parameters:
    ///   - dataset: images to draw from, usually the training split (never the test split).
    ///   - model: the model the batches are for.
    ///   - samples: how many images at most, positive; 256 to 1,024 is typical.
    ///   - batchSize: images per batch (default 32).
    ///   - seed: seeds the random choice of images (default 0).
    public static func batches(from dataset: Dataset, for model: Model, samples: Int,
                               batchSize: Int = 32, seed: UInt64 = 0) throws -> [Tensor] {
        guard samples > 0 else { throw SepCNNError.invalidArgument("calibration needs at least one image; asked for \(samples)") }
        guard dataset.count > 0 else { throw SepCNNError.invalidArgument("calibration needs at least one image; the dataset is empty") }
        let adapter: InputAdapter
        do { adapter = try InputAdapter(from: dataset.imageShape, to: model.inputShape) } catch let error as SepCNNError {
            throw SepCNNError.shapeMismatch("the dataset's images \(describe(dataset.imageShape)) do not fit model \(model.name): \(error.message)")
        }
        var generator = RandomGenerator(seed: seed)
        var order = Array(0..<dataset.count)
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, Int(generator.next() % UInt64(i + 1))) }
        let chosen = try dataset.subset(Array(order.prefix(samples)))
        let loader = try BatchLoader(dataset: chosen, batchSize: batchSize, shuffle: false)
        return try loader.batches(epoch: 0).map { try adapter($0.images) }
    }

    /// The image files (PNG, PPM, PGM, JPEG; searched recursively, in path order) under `directory`,
    /// up to `samples`, prepared by `preprocessing` as `sepcnn predict` prepares them.
    ///
    /// - Parameters:
    ///   - directory: a folder of images like those the model will see.
    ///   - model: the model the batches are for; it must take images.
    ///   - samples: how many images at most, positive.
    ///   - preprocessing: resizing and normalisation, as the model was trained with.
    ///   - batchSize: images per batch (default 32).
    /// - Throws: ``SepCNNError`` if the folder holds no images, or one cannot be read.
    public static func batches(fromImagesIn directory: URL, for model: Model, samples: Int,
                               preprocessing: ImagePreprocessing, batchSize: Int = 32) throws -> [Tensor] {
        guard samples > 0 else { throw SepCNNError.invalidArgument("calibration needs at least one image; asked for \(samples)") }
        guard model.inputShape.count == 3 else { throw SepCNNError.invalidArgument("model \(model.name) does not take images") }
        let files = try imageFiles(in: directory).prefix(samples)
        guard !files.isEmpty else {
            throw SepCNNError.invalidArgument("\(directory.path) holds no PNG, PPM, PGM or JPEG images to calibrate with")
        }
        var batches: [Tensor] = []
        for start in stride(from: 0, to: files.count, by: batchSize) {
            let images = try files[files.index(files.startIndex, offsetBy: start)...].prefix(batchSize).map { try Image.read(contentsOf: $0) }
            batches.append(try preprocessing.tensor(from: images, channels: model.inputShape[2]))
        }
        return batches
    }

    /// Image files under `directory`, recursively, sorted by path.
    static func imageFiles(in directory: URL) throws -> [URL] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw SepCNNError.invalidArgument("\(directory.path) is not a directory")
        }
        return Dataset.imageFiles(in: directory)
    }
}

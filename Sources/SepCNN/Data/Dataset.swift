/// Labelled images in memory: `images` is NHWC `[N, H, W, C]` float32 (0...1 as loaded),
/// `labels[i]` is the class of image `i`, an index into `classNames`.
public struct Dataset: Sendable {
    public var images: Tensor
    public var labels: [Int]
    public var classNames: [String]

    /// Checks that there is one label per image and each lies in `0..<classNames.count`.
    public init(images: Tensor, labels: [Int], classNames: [String]) throws {
        guard images.rank == 4 else {
            throw SepCNNError.shapeMismatch("dataset images must be NHWC [N, H, W, C], got \(describe(images.shape))")
        }
        guard images.shape[0] == labels.count else {
            throw SepCNNError.shapeMismatch("dataset has \(images.shape[0]) images but \(labels.count) labels")
        }
        if let bad = labels.firstIndex(where: { $0 < 0 || $0 >= classNames.count }) {
            throw SepCNNError.invalidArgument("label \(labels[bad]) of image \(bad) is outside 0..<\(classNames.count)")
        }
        self.images = images
        self.labels = labels
        self.classNames = classNames
    }

    public var count: Int { labels.count }
    /// `[H, W, C]` of one image.
    public var imageShape: [Int] { Array(images.shape.dropFirst()) }

    /// The images at `indices`, in that order.
    public func subset(_ indices: [Int]) throws -> Dataset {
        if let bad = indices.first(where: { $0 < 0 || $0 >= count }) {
            throw SepCNNError.invalidArgument("index \(bad) is outside the dataset's 0..<\(count)")
        }
        let size = imageShape.reduce(1, *)
        var selected = Tensor(uncheckedShape: [indices.count] + imageShape)
        images.withPointer { source in
            selected.withMutablePointer { destination in
                for (row, index) in indices.enumerated() {
                    (destination + row &* size).update(from: source + index &* size, count: size)
                }
            }
        }
        return try Dataset(images: selected, labels: indices.map { labels[$0] }, classNames: classNames)
    }

    /// Per-channel standardisation, `(x − mean[c]) / std[c]` (torchvision's `Normalize`).
    public func normalized(mean: [Float], std: [Float]) throws -> Dataset {
        let channels = images.shape[3]
        guard mean.count == channels, std.count == channels else {
            throw SepCNNError.invalidArgument("normalization needs \(channels) means and standard deviations, got \(mean.count) and \(std.count)")
        }
        guard std.allSatisfy({ $0 > 0 && $0.isFinite }), mean.allSatisfy(\.isFinite) else {
            throw SepCNNError.invalidArgument("normalization needs finite means and positive standard deviations")
        }
        var result = self
        let scale = std.map { 1 / $0 }, pixels = images.count / max(channels, 1)
        result.images.withMutablePointer { x in
            for p in 0..<pixels {
                let px = x + p &* channels
                for c in 0..<channels { px[c] = (px[c] - mean[c]) * scale[c] }
            }
        }
        return result
    }
}

/// Brings a dataset's images to the shape a model takes, batch by batch: resized (bilinear, with
/// the antialiasing of `ImagePreprocessing`) and gray replicated to three channels — what a
/// Keras user does with `Resizing` and `grayscale_to_rgb` to fine-tune an ImageNet network on
/// 28×28 gray images. Done per batch, so a large set never exists at the bigger size.
public struct InputAdapter: Sendable, Equatable {
    /// `[height, width, channels]` of the images given and of those made.
    public let sourceShape: [Int]
    public let targetShape: [Int]

    /// Throws unless both are `[height, width, channels]` with equal channels, or one channel to three.
    public init(from sourceShape: [Int], to targetShape: [Int]) throws {
        guard sourceShape.count == 3, targetShape.count == 3, (sourceShape + targetShape).allSatisfy({ $0 > 0 }) else {
            throw SepCNNError.shapeMismatch("images \(describe(sourceShape)) and \(describe(targetShape)) are not both [height, width, channels]")
        }
        guard sourceShape[2] == targetShape[2] || (sourceShape[2] == 1 && targetShape[2] == 3) else {
            throw SepCNNError.shapeMismatch(
                "images of \(sourceShape[2]) channels cannot feed a model taking \(targetShape[2]) (only gray to three channels is converted)")
        }
        self.sourceShape = sourceShape
        self.targetShape = targetShape
    }

    public var isIdentity: Bool { sourceShape == targetShape }

    /// What the adapter does, for a note to the user: `28×28×1 images resized to 224×224×3, gray replicated to three channels`.
    public var summary: String {
        func text(_ shape: [Int]) -> String { shape.map(String.init).joined(separator: "×") }
        let gray = sourceShape[2] != targetShape[2] ? ", gray replicated to three channels" : ""
        return "\(text(sourceShape)) images resized to \(text(targetShape))\(gray)"
    }

    /// `batch` (`[N] + sourceShape`) as `[N] + targetShape`.
    public func callAsFunction(_ batch: Tensor) throws -> Tensor {
        guard Array(batch.shape.dropFirst()) == sourceShape else {
            throw SepCNNError.shapeMismatch("the adapter takes images \(describe(sourceShape)), got a batch \(describe(batch.shape))")
        }
        if isIdentity { return batch }
        let (height, width, channels) = (sourceShape[0], sourceShape[1], sourceShape[2])
        let (newHeight, newWidth, newChannels) = (targetShape[0], targetShape[1], targetShape[2])
        let count = batch.shape[0], pixels = height * width * channels
        var scalars: [Float] = []
        scalars.reserveCapacity(count * newHeight * newWidth * newChannels)
        let source = batch.scalars
        for image in 0..<count {
            var resized = Array(source[image * pixels ..< (image + 1) * pixels])
            resized = ImagePreprocessing.resizeRows(resized, width: width, height: height, channels: channels, to: newWidth)
            resized = ImagePreprocessing.resizeColumns(resized, width: newWidth, height: height, channels: channels, to: newHeight)
            if newChannels == channels {
                scalars += resized
            } else {
                for value in resized { scalars += [value, value, value] }
            }
        }
        return Tensor(uncheckedShape: [count] + targetShape, scalars: scalars)
    }
}

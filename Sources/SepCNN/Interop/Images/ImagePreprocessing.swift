/// How an image becomes a model input, as torchvision's ImageNet evaluation transform does:
/// resize the shorter side (bilinear, antialiased when shrinking), crop the centre, scale to
/// 0…1, subtract the mean and divide by the standard deviation per channel. NHWC out.
public struct ImagePreprocessing: Sendable {
    /// Output size `[height, width]`.
    public var size: Size2D
    /// Shorter side after resizing, before the centre crop; nil resizes straight to `size`.
    public var resizeShorterSide: Int?
    public var mean: [Float]
    public var standardDeviation: [Float]

    public static let imageNetMean: [Float] = [0.485, 0.456, 0.406]
    public static let imageNetStandardDeviation: [Float] = [0.229, 0.224, 0.225]

    /// ImageNet's evaluation recipe for a model of `size`: shorter side to size · 256/224, crop, normalise.
    public static func imageNet(size: Size2D) -> ImagePreprocessing {
        let shorter = (Double(min(size.height, size.width)) * 256 / 224).rounded()
        return ImagePreprocessing(size: size, resizeShorterSide: Int(shorter),
                                  mean: imageNetMean, standardDeviation: imageNetStandardDeviation)
    }

    public init(size: Size2D, resizeShorterSide: Int?, mean: [Float], standardDeviation: [Float]) {
        self.size = size
        self.resizeShorterSide = resizeShorterSide
        self.mean = mean
        self.standardDeviation = standardDeviation
    }

    /// A batch `[images.count, height, width, channels]`, gray images repeated to RGB when
    /// `channels` is 3 and colour images reduced to luma when it is 1.
    public func tensor(from images: [Image], channels: Int) throws -> Tensor {
        guard channels == 1 || channels == 3 else {
            throw SepCNNError.invalidArgument("images can feed a model with 1 or 3 input channels, not \(channels)")
        }
        guard mean.count == channels || mean.count == 1, standardDeviation.count == channels || standardDeviation.count == 1 else {
            throw SepCNNError.invalidArgument("mean and standard deviation need 1 or \(channels) values, got \(mean.count) and \(standardDeviation.count)")
        }
        guard standardDeviation.allSatisfy({ $0 > 0 }) else {
            throw SepCNNError.invalidArgument("standard deviations must be positive, got \(standardDeviation)")
        }
        guard size.height > 0, size.width > 0, (resizeShorterSide ?? 1) > 0 else {
            throw SepCNNError.invalidArgument("image sizes must be positive, got \(size) and resize \(resizeShorterSide ?? 0)")
        }
        let side = Image.maximumSide
        guard size.height <= side, size.width <= side, (resizeShorterSide ?? 1) <= side else {
            throw SepCNNError.invalidArgument("image sizes must be at most \(side), got \(size) and resize \(resizeShorterSide ?? 0)")
        }
        for image in images {
            let (height, width) = resizedSize(image)
            guard height * width <= Image.defaultMaximumPixels else {
                throw SepCNNError.invalidArgument(
                    "resizing a \(image.width)×\(image.height) image to shorter side \(resizeShorterSide ?? 0) gives \(width)×\(height), more than \(Image.defaultMaximumPixels) pixels")
            }
        }
        var scalars: [Float] = []
        scalars.reserveCapacity(images.count * size.height * size.width * channels)
        for image in images {
            let source = channels == 3 ? image.rgb() : image.gray()
            let plane = prepared(source)
            for (index, value) in plane.enumerated() {
                let c = index % channels
                let m = mean.count == 1 ? mean[0] : mean[c], s = standardDeviation.count == 1 ? standardDeviation[0] : standardDeviation[c]
                scalars.append((value - m) / s)
            }
        }
        return try Tensor(shape: [images.count, size.height, size.width, channels], scalars: scalars)
    }

    /// The size `image` is resized to before the crop: torchvision's rule, the shorter side becomes
    /// `resizeShorterSide` and the other keeps the aspect ratio (truncated). With the target at most
    /// 2¹⁵ (checked by `tensor(from:channels:)`) the longer side is below 2¹⁵ times the image's aspect
    /// ratio, and the product of the sides stays far from overflowing for any image that fits in memory.
    func resizedSize(_ image: Image) -> (height: Int, width: Int) {
        guard let shorter = resizeShorterSide else { return (size.height, size.width) }
        let (height, width) = (image.height, image.width)
        if height <= width {
            return (shorter, max(1, Int(Double(shorter) * Double(width) / Double(height))))
        }
        return (max(1, Int(Double(shorter) * Double(height) / Double(width))), shorter)
    }

    /// Resized and cropped, as floats in 0…1, `size.height × size.width × channels`.
    func prepared(_ image: Image) -> [Float] {
        var width = image.width, height = image.height
        let (targetHeight, targetWidth) = resizedSize(image)
        // Rows are resized straight from the bytes: a large photo never exists as floats at full size.
        var pixels = Self.resizeRows(image.pixels, width: width, height: height, channels: image.channels, to: targetWidth)
        width = targetWidth
        pixels = Self.resizeColumns(pixels, width: width, height: height, channels: image.channels, to: targetHeight)
        height = targetHeight
        // Centre crop (torchvision rounds the offset to nearest); pad with zeros if the image is smaller.
        let top = Int((Double(height - size.height) / 2).rounded()), left = Int((Double(width - size.width) / 2).rounded())
        var out = [Float](repeating: 0, count: size.height * size.width * image.channels)
        for y in 0 ..< size.height {
            let sy = y + top
            guard sy >= 0, sy < height else { continue }
            for x in 0 ..< size.width {
                let sx = x + left
                guard sx >= 0, sx < width else { continue }
                for c in 0 ..< image.channels {
                    out[(y * size.width + x) * image.channels + c] = pixels[(sy * width + sx) * image.channels + c]
                }
            }
        }
        return out
    }

    /// Each output sample's input range and weights along one axis: a triangle (bilinear) filter
    /// widened by the shrink factor, as PIL's antialiased bilinear resize (torchvision's default).
    static func taps(from count: Int, to newCount: Int) -> [(first: Int, weights: [Float])] {
        let scale = Double(count) / Double(newCount)
        let support = max(1, scale)
        return (0 ..< newCount).map { i in
            let center = (Double(i) + 0.5) * scale
            let first = max(0, Int((center - support).rounded(.down)))
            let end = min(count, Int((center + support).rounded(.up)))
            var weights = (first ..< end).map { j in max(0, 1 - abs((Double(j) + 0.5 - center) / support)) }
            let total = weights.reduce(0, +)
            if total > 0 { weights = weights.map { $0 / total } }
            return (first, weights.map(Float.init))
        }
    }

    /// Resizes every row of an interleaved `height × width × channels` image of bytes to `newWidth`,
    /// as floats in 0…1 (each byte divided by 255, as torchvision's ToTensor does, before weighting).
    static func resizeRows(_ bytes: [UInt8], width: Int, height: Int, channels: Int, to newWidth: Int) -> [Float] {
        resizeRows(bytes, width: width, height: height, channels: channels, to: newWidth) { Float($0) / 255 }
    }

    /// Resizes every row of an interleaved `height × width × channels` image to `newWidth`.
    static func resizeRows(_ pixels: [Float], width: Int, height: Int, channels: Int, to newWidth: Int) -> [Float] {
        if width == newWidth { return pixels }
        return resizeRows(pixels, width: width, height: height, channels: channels, to: newWidth) { $0 }
    }

    /// Resizes rows of samples, each read through `sample` as a float.
    private static func resizeRows<S>(_ samples: [S], width: Int, height: Int, channels: Int, to newWidth: Int,
                                      sample: (S) -> Float) -> [Float] {
        @inline(__always) func value(_ i: Int) -> Float { sample(samples[i]) }
        if width == newWidth { return samples.map(sample) }
        let taps = taps(from: width, to: newWidth)
        var out = [Float](repeating: 0, count: height * newWidth * channels)
        for y in 0 ..< height {
            for (x, tap) in taps.enumerated() {
                for c in 0 ..< channels {
                    var sum: Float = 0
                    for (k, w) in tap.weights.enumerated() { sum += w * value((y * width + tap.first + k) * channels + c) }
                    out[(y * newWidth + x) * channels + c] = sum
                }
            }
        }
        return out
    }

    /// Resizes every column of an interleaved `height × width × channels` image to `newHeight`.
    static func resizeColumns(_ pixels: [Float], width: Int, height: Int, channels: Int, to newHeight: Int) -> [Float] {
        if height == newHeight { return pixels }
        let taps = taps(from: height, to: newHeight)
        let row = width * channels
        var out = [Float](repeating: 0, count: newHeight * row)
        for (y, tap) in taps.enumerated() {
            for (k, w) in tap.weights.enumerated() {
                let source = (tap.first + k) * row
                for i in 0 ..< row { out[y * row + i] += w * pixels[source + i] }
            }
        }
        return out
    }
}

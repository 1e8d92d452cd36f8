/// Random training-time image transforms, applied per image when a batch is assembled.
public struct Augmentation: Sendable, Equatable {
    /// Pad each side with this many zero pixels and crop back to the original size at a random
    /// offset (torchvision's `RandomCrop(size, padding:)`); 0 disables it.
    public var cropPadding: Int
    /// Mirror left–right with probability ½ (`RandomHorizontalFlip`).
    public var horizontalFlip: Bool

    public init(cropPadding: Int = 0, horizontalFlip: Bool = false) {
        self.cropPadding = cropPadding
        self.horizontalFlip = horizontalFlip
    }

    public static let none = Augmentation()

    var isIdentity: Bool { cropPadding == 0 && !horizontalFlip }

    /// Writes one augmented `[h, w, c]` image from `source` to `destination`, drawing its offsets
    /// and flip from `generator`.
    func apply(_ source: UnsafePointer<Float>, _ destination: UnsafeMutablePointer<Float>,
               height: Int, width: Int, channels: Int, generator: inout RandomGenerator) {
        let pad = cropPadding
        // Offset of the crop window in the padded image, minus the padding: source = output + offset.
        let dy = pad > 0 ? Int(generator.next() % UInt64(2 * pad + 1)) - pad : 0
        let dx = pad > 0 ? Int(generator.next() % UInt64(2 * pad + 1)) - pad : 0
        let flip = horizontalFlip && generator.next() >> 63 == 1
        let rowSize = width &* channels
        for y in 0..<height {
            let out = destination + y &* rowSize
            let sy = y &+ dy
            guard sy >= 0 && sy < height else {
                out.update(repeating: 0, count: rowSize)
                continue
            }
            let row = source + sy &* rowSize
            // Output columns whose source column sx = x + dx lies inside the image.
            let first = max(0, -dx), last = min(width, width &- dx)
            if first >= last { out.update(repeating: 0, count: rowSize); continue }
            if !flip {
                out.update(repeating: 0, count: first &* channels)
                (out + first &* channels).update(from: row + (first &+ dx) &* channels, count: (last &- first) &* channels)
                (out + last &* channels).update(repeating: 0, count: (width &- last) &* channels)
            } else {
                // Flip after cropping: output column x shows cropped column width − 1 − x.
                for x in 0..<width {
                    let cropped = width &- 1 &- x, sx = cropped &+ dx
                    let pixel = out + x &* channels
                    if sx >= 0 && sx < width {
                        pixel.update(from: row + sx &* channels, count: channels)
                    } else {
                        pixel.update(repeating: 0, count: channels)
                    }
                }
            }
        }
    }
}

import Foundation

/// An 8-bit image as decoded from a file: `height × width × channels` bytes, row-major,
/// channels interleaved (1 = gray, 3 = RGB). Alpha is dropped on decoding: a classifier sees
/// the colour, as torchvision's `convert("RGB")` does.
public struct Image: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public let channels: Int
    public let pixels: [UInt8]

    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) throws {
        guard width > 0, height > 0, channels == 1 || channels == 3 else {
            throw SepCNNError.invalidArgument("an image needs a positive size and 1 or 3 channels, got \(width)×\(height)×\(channels)")
        }
        let (area, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, pixels.count / channels == area, pixels.count % channels == 0 else {
            throw SepCNNError.invalidArgument("an image of \(width)×\(height)×\(channels) needs \(saturatingProduct(width, height, channels)) bytes, got \(pixels.count)")
        }
        self.init(unchecked: width, height: height, channels: channels, pixels: pixels)
    }

    /// For sizes that hold by construction.
    private init(unchecked width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// Largest side accepted from a file: larger headers are far more likely corrupt than real,
    /// and checking first keeps a forged header from asking for gigabytes.
    static let maximumSide = 1 << 15

    /// The most pixels a file may claim unless the caller allows more: 2²⁸ (16384 × 16384), so a
    /// decoded image takes at most 768 MiB and decoding at most 8 bytes more a pixel. Sizes are
    /// checked, and checked against the data actually present, before anything that large is allocated.
    public static let defaultMaximumPixels = 1 << 28

    /// Decodes a PNG, JPEG or PPM/PGM file, chosen by its first bytes (not its name); a file claiming more
    /// than `maximumPixels` pixels is refused before it is decoded.
    public static func read(contentsOf url: URL, maximumPixels: Int = defaultMaximumPixels) throws -> Image {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw SepCNNError.invalidFile("cannot read image '\(url.path)': \(fileErrorReason(error))")
        }
        do {
            return try decode(Array(data), maximumPixels: maximumPixels)
        } catch let error as SepCNNError {
            throw SepCNNError.invalidFile("image '\(url.path)': \(error.message)")
        }
    }

    /// Decodes PNG, JPEG (baseline, extended sequential or progressive, 8-bit gray or YCbCr, EXIF
    /// orientation applied; see `JPEGDecoder`) or binary/ASCII PPM/PGM bytes.
    public static func decode(_ bytes: [UInt8], maximumPixels: Int = defaultMaximumPixels) throws -> Image {
        if bytes.starts(with: PNGDecoder.signature) { return try PNGDecoder.decode(bytes, maximumPixels: maximumPixels) }
        if bytes.starts(with: JPEGDecoder.signature) { return try JPEGDecoder.decode(bytes, maximumPixels: maximumPixels) }
        if bytes.count >= 2, bytes[0] == UInt8(ascii: "P"), (UInt8(ascii: "2")...UInt8(ascii: "6")).contains(bytes[1]),
           bytes[1] != UInt8(ascii: "4") {
            return try PPMDecoder.decode(bytes, maximumPixels: maximumPixels)
        }
        throw SepCNNError.invalidFile("not a PNG, JPEG or PPM/PGM (P2, P3, P5, P6) file")
    }

    /// Throws unless a `width × height` image fits the cap (sides already checked against `maximumSide`).
    static func requirePixels(_ width: Int, _ height: Int, atMost maximumPixels: Int, format: String) throws {
        guard width * height <= maximumPixels else {
            throw SepCNNError.invalidFile(
                "\(format) size \(width)×\(height) is \(width * height) pixels, more than the \(maximumPixels) allowed (raise maximumPixels, sepcnn predict --max-pixels, to read it)")
        }
    }

    /// The same picture with three channels (gray repeated), as RGB models expect.
    public func rgb() -> Image {
        guard channels == 1 else { return self }
        var out = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0 ..< width * height {
            out[3 * i] = pixels[i]; out[3 * i + 1] = pixels[i]; out[3 * i + 2] = pixels[i]
        }
        return Image(unchecked: width, height: height, channels: 3, pixels: out)
    }

    /// The same picture with one channel: ITU-R 601 luma, as PIL's `convert("L")`.
    public func gray() -> Image {
        guard channels == 3 else { return self }
        var out = [UInt8](repeating: 0, count: width * height)
        for i in 0 ..< width * height {
            let r = Int(pixels[3 * i]), g = Int(pixels[3 * i + 1]), b = Int(pixels[3 * i + 2])
            out[i] = UInt8((r * 299 + g * 587 + b * 114 + 500) / 1000)
        }
        return Image(unchecked: width, height: height, channels: 1, pixels: out)
    }
}

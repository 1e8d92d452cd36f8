/// Netpbm colour and gray images: P6/P5 (binary) and P3/P2 (ASCII), any maxval up to 65535
/// (16-bit samples are big-endian, scaled to 8 bits).
enum PPMDecoder {
    static func decode(_ bytes: [UInt8], maximumPixels: Int = Image.defaultMaximumPixels) throws -> Image {
        var reader = Reader(bytes: bytes, position: 2)
        let kind = bytes[1]
        let channels = (kind == UInt8(ascii: "3") || kind == UInt8(ascii: "6")) ? 3 : 1
        let binary = kind == UInt8(ascii: "5") || kind == UInt8(ascii: "6")
        let width = try reader.number("width"), height = try reader.number("height"), maxval = try reader.number("maxval")
        guard width > 0, height > 0, width <= Image.maximumSide, height <= Image.maximumSide else {
            throw SepCNNError.invalidFile("PPM size \(width)×\(height) is out of range (1 to \(Image.maximumSide) per side)")
        }
        guard maxval > 0, maxval <= 65535 else {
            throw SepCNNError.invalidFile("PPM maxval \(maxval) is out of range (1 to 65535)")
        }
        try Image.requirePixels(width, height, atMost: maximumPixels, format: "PPM")
        let count = width * height * channels
        // The data must be there before the pixels are allocated: binary samples take one or two
        // bytes each, ASCII ones a digit and a separator (the last needs no separator).
        let start = reader.position + 1
        let wide = maxval > 255
        let needed = binary ? count * (wide ? 2 : 1) : 2 * count - 1
        guard start <= bytes.count, bytes.count - start >= needed else {
            throw SepCNNError.invalidFile("PPM data is truncated: \(width)×\(height)×\(channels) needs \(binary ? "" : "at least ")\(needed) bytes, found \(max(0, bytes.count - start))")
        }
        var pixels = [UInt8](repeating: 0, count: count)
        func scaled(_ v: Int) throws -> UInt8 {
            guard v <= maxval else { throw SepCNNError.invalidFile("PPM sample \(v) exceeds maxval \(maxval)") }
            return UInt8((v * 255 + maxval / 2) / maxval)
        }
        if binary {
            // Exactly one whitespace byte separates maxval from the samples (`start`).
            for i in 0 ..< count {
                let v = wide ? Int(bytes[start + 2 * i]) << 8 | Int(bytes[start + 2 * i + 1]) : Int(bytes[start + i])
                pixels[i] = try scaled(v)
            }
        } else {
            for i in 0 ..< count { pixels[i] = try scaled(try reader.number("sample \(i)")) }
        }
        return try Image(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// Whitespace-separated decimal header fields, with `#` comments to the end of the line.
    struct Reader {
        let bytes: [UInt8]
        var position: Int

        mutating func number(_ what: String) throws -> Int {
            while position < bytes.count {
                let b = bytes[position]
                if b == UInt8(ascii: "#") {
                    while position < bytes.count && bytes[position] != UInt8(ascii: "\n") { position += 1 }
                } else if b == 32 || (9...13).contains(b) {
                    position += 1
                } else {
                    break
                }
            }
            var value = 0, digits = 0
            while position < bytes.count, (48...57).contains(bytes[position]) {
                value = value * 10 + Int(bytes[position] - 48)
                digits += 1
                position += 1
                guard value <= 1 << 30 else { throw SepCNNError.invalidFile("PPM \(what) is too large") }
            }
            guard digits > 0 else {
                throw SepCNNError.invalidFile(position >= bytes.count ? "PPM file ends before its \(what)" : "PPM \(what) is not a number")
            }
            return value
        }
    }
}

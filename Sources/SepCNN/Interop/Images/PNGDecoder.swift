/// PNG (ISO/IEC 15948): every colour type (gray, RGB, palette, gray + alpha, RGBA) at every bit
/// depth, plain or Adam7-interlaced. Chunk CRCs and the zlib checksum are verified; alpha is
/// dropped and 16-bit samples keep their high byte.
enum PNGDecoder {
    static let signature: [UInt8] = [137, 80, 78, 71, 13, 10, 26, 10]

    struct Header {
        var width = 0, height = 0, bitDepth = 0, colorType = 0, interlaced = false

        /// Samples per pixel as stored.
        var samples: Int { [0: 1, 2: 3, 3: 1, 4: 2, 6: 4][colorType] ?? 0 }
        var bitsPerPixel: Int { samples * bitDepth }
        /// Bytes a filter looks back: one pixel, at least one byte.
        var filterStride: Int { max(1, bitsPerPixel / 8) }
        func rowBytes(width: Int) -> Int { (width * bitsPerPixel + 7) / 8 }
    }

    static func decode(_ bytes: [UInt8], maximumPixels: Int = Image.defaultMaximumPixels) throws -> Image {
        var position = signature.count
        var header: Header?
        var palette: [UInt8] = []
        var compressed: [UInt8] = []
        var ended = false
        while !ended {
            guard bytes.count - position >= 12 else { throw SepCNNError.invalidFile("PNG file is truncated (no IEND chunk)") }
            let length = Int(readUInt32(bytes, position))
            let type = String(decoding: bytes[position + 4 ..< position + 8], as: UTF8.self)
            guard length <= bytes.count - position - 12 else {
                throw SepCNNError.invalidFile("PNG chunk '\(type)' claims \(length) bytes but the file is truncated")
            }
            let body = position + 8 ..< position + 8 + length
            let crc = bytes.withUnsafeBufferPointer { CRC32.checksum(UnsafeBufferPointer(rebasing: $0[position + 4 ..< body.upperBound])) }
            guard crc == readUInt32(bytes, body.upperBound) else {
                throw SepCNNError.invalidFile("PNG chunk '\(type)' is corrupt (CRC mismatch)")
            }
            switch type {
            case "IHDR":
                let h = try readHeader(bytes[body])
                try Image.requirePixels(h.width, h.height, atMost: maximumPixels, format: "PNG")
                header = h
            case "PLTE": palette = Array(bytes[body])
            case "IDAT":
                guard header != nil else { throw SepCNNError.invalidFile("PNG image data comes before its IHDR header") }
                compressed += bytes[body]
            case "IEND": ended = true
            default:
                // Ancillary chunks (lower-case first letter) may be skipped; critical ones may not.
                guard let first = type.utf8.first, first & 0x20 != 0 else {
                    throw SepCNNError.invalidFile("PNG has an unknown critical chunk '\(type)'")
                }
            }
            position = body.upperBound + 4
        }
        guard let header else { throw SepCNNError.invalidFile("PNG has no IHDR header") }
        if header.colorType == 3 && (palette.isEmpty || palette.count % 3 != 0) {
            throw SepCNNError.invalidFile("PNG palette image has no valid PLTE chunk")
        }
        let expected = rawByteCount(header)
        let raw = try inflateZlib(compressed, limit: expected)
        // Checked before the pixels are allocated: a few bytes claiming a huge image fail here.
        guard raw.count == expected else {
            throw SepCNNError.invalidFile("PNG image data is truncated: \(raw.count) bytes after decompression, \(header.width)×\(header.height) needs \(expected)")
        }
        return try reconstruct(raw, header: header, palette: palette)
    }

    static func readHeader(_ body: ArraySlice<UInt8>) throws -> Header {
        guard body.count == 13 else { throw SepCNNError.invalidFile("PNG IHDR chunk has \(body.count) bytes, expected 13") }
        let b = Array(body)
        var h = Header()
        h.width = Int(readUInt32(b, 0))
        h.height = Int(readUInt32(b, 4))
        h.bitDepth = Int(b[8])
        h.colorType = Int(b[9])
        guard h.width > 0, h.height > 0, h.width <= Image.maximumSide, h.height <= Image.maximumSide else {
            throw SepCNNError.invalidFile("PNG size \(h.width)×\(h.height) is out of range (1 to \(Image.maximumSide) per side)")
        }
        let allowed: [Int: [Int]] = [0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16]]
        guard let depths = allowed[h.colorType], depths.contains(h.bitDepth) else {
            throw SepCNNError.invalidFile("PNG colour type \(h.colorType) with bit depth \(h.bitDepth) is not valid")
        }
        guard b[10] == 0, b[11] == 0, b[12] <= 1 else {
            throw SepCNNError.invalidFile("PNG uses an unknown compression, filter or interlace method")
        }
        h.interlaced = b[12] == 1
        return h
    }

    /// Undoes the filters pass by pass and converts samples to 8-bit gray or RGB.
    static func reconstruct(_ raw: [UInt8], header h: Header, palette: [UInt8]) throws -> Image {
        let gray = h.colorType == 0 || h.colorType == 4
        let channels = gray ? 1 : 3
        var pixels = [UInt8](repeating: 0, count: h.width * h.height * channels)
        // A plain image is one pass over everything.
        let passes = h.interlaced ? adam7 : [(0, 0, 1, 1)]
        var offset = 0
        for (x0, y0, dx, dy) in passes {
            let passWidth = (h.width - x0 + dx - 1) / dx, passHeight = (h.height - y0 + dy - 1) / dy
            guard passWidth > 0, passHeight > 0 else { continue }
            let rowBytes = h.rowBytes(width: passWidth)
            var previous = [UInt8](repeating: 0, count: rowBytes)
            var row = [UInt8](repeating: 0, count: rowBytes)
            for py in 0 ..< passHeight {
                guard raw.count - offset >= rowBytes + 1 else {
                    throw SepCNNError.invalidFile("PNG image data is truncated (\(raw.count) bytes after decompression)")
                }
                try unfilter(type: raw[offset], raw[offset + 1 ... offset + rowBytes], previous: previous, stride: h.filterStride, into: &row)
                offset += rowBytes + 1
                for px in 0 ..< passWidth {
                    let target = ((y0 + py * dy) * h.width + x0 + px * dx) * channels
                    try storePixel(row, index: px, header: h, palette: palette, into: &pixels, at: target)
                }
                swap(&previous, &row)
            }
        }
        return try Image(width: h.width, height: h.height, channels: channels, pixels: pixels)
    }

    static func unfilter(type: UInt8, _ filtered: ArraySlice<UInt8>, previous: [UInt8], stride: Int, into row: inout [UInt8]) throws {
        var i = 0
        for byte in filtered {
            let left = i >= stride ? Int(row[i - stride]) : 0
            let up = Int(previous[i])
            let upLeft = i >= stride ? Int(previous[i - stride]) : 0
            let predictor: Int
            switch type {
            case 0: predictor = 0
            case 1: predictor = left
            case 2: predictor = up
            case 3: predictor = (left + up) / 2
            case 4:
                let p = left + up - upLeft
                let pa = abs(p - left), pb = abs(p - up), pc = abs(p - upLeft)
                predictor = pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft
            default: throw SepCNNError.invalidFile("PNG row uses unknown filter type \(type)")
            }
            row[i] = byte &+ UInt8(truncatingIfNeeded: predictor)
            i += 1
        }
    }

    /// Sample `index` of channel `channel` in an unfiltered row, scaled to 8 bits.
    @inline(__always)
    static func sample(_ row: [UInt8], pixel: Int, channel: Int, header h: Header) -> Int {
        let n = pixel * h.samples + channel
        switch h.bitDepth {
        case 8: return Int(row[n])
        case 16: return Int(row[2 * n])
        default:
            let bit = n * h.bitDepth
            let value = Int(row[bit / 8] >> (8 - h.bitDepth - bit % 8)) & ((1 << h.bitDepth) - 1)
            return h.colorType == 3 ? value : value * 255 / ((1 << h.bitDepth) - 1)
        }
    }

    static func storePixel(_ row: [UInt8], index: Int, header h: Header, palette: [UInt8],
                           into pixels: inout [UInt8], at target: Int) throws {
        switch h.colorType {
        case 0, 4:
            pixels[target] = UInt8(sample(row, pixel: index, channel: 0, header: h))
        case 2, 6:
            for c in 0 ..< 3 { pixels[target + c] = UInt8(sample(row, pixel: index, channel: c, header: h)) }
        default:  // 3: palette
            let entry = sample(row, pixel: index, channel: 0, header: h)
            guard entry * 3 + 2 < palette.count else {
                throw SepCNNError.invalidFile("PNG pixel refers to palette entry \(entry), but the palette has \(palette.count / 3)")
            }
            for c in 0 ..< 3 { pixels[target + c] = palette[entry * 3 + c] }
        }
    }

    /// A zlib stream (RFC 1950): two header bytes, raw DEFLATE, Adler-32 of the result.
    /// Bytes of filtered scanlines the header implies: an upper bound that stops a decompression bomb.
    static func rawByteCount(_ h: Header) -> Int {
        let passes = h.interlaced ? adam7 : [(0, 0, 1, 1)]
        return passes.reduce(0) { total, pass in
            let (x0, y0, dx, dy) = pass
            let width = (h.width - x0 + dx - 1) / dx, height = (h.height - y0 + dy - 1) / dy
            return width > 0 && height > 0 ? total + height * (h.rowBytes(width: width) + 1) : total
        }
    }

    /// Adam7's passes as (x0, y0, dx, dy).
    static let adam7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]

    static func inflateZlib(_ stream: [UInt8], limit: Int) throws -> [UInt8] {
        guard stream.count >= 6 else { throw SepCNNError.invalidFile("PNG image data is missing or truncated") }
        let cmf = Int(stream[0]), flg = Int(stream[1])
        guard cmf & 0x0F == 8, (cmf << 8 | flg) % 31 == 0, flg & 0x20 == 0 else {
            throw SepCNNError.invalidFile("PNG image data is not a valid zlib stream")
        }
        let (output, consumed) = try stream.withUnsafeBufferPointer {
            try Inflate.decompress(UnsafeBufferPointer(rebasing: $0[2...]), limit: limit)
        }
        let end = 2 + consumed
        guard stream.count - end >= 4 else { throw SepCNNError.invalidFile("PNG image data is truncated (no Adler-32 checksum)") }
        guard adler32(output) == readUInt32(stream, end) else {
            throw SepCNNError.invalidFile("PNG image data is corrupt (Adler-32 mismatch)")
        }
        return output
    }

    static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        var index = 0
        while index < bytes.count {
            // 5552 bytes is the most that can be summed before b may overflow 32 bits.
            let end = min(bytes.count, index + 5552)
            for i in index ..< end { a &+= UInt32(bytes[i]); b &+= a }
            a %= 65521; b %= 65521
            index = end
        }
        return b << 16 | a
    }

    static func readUInt32<C: Collection<UInt8>>(_ bytes: C, _ offset: Int) -> UInt32 where C.Index == Int {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }
}

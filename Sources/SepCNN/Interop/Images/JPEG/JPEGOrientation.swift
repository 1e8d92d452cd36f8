/// The EXIF orientation tag (0x0112 in IFD0 of an APP1 "Exif" segment) and the flip or rotation
/// that makes the picture upright, as Pillow's `ImageOps.exif_transpose` applies it.
enum JPEGOrientation {
    /// The orientation 1–8 in a TIFF structure (the APP1 body after "Exif\0\0"); 1 when it is
    /// absent, out of range or unreadable: metadata never makes a good image fail.
    static func exifOrientation(_ tiff: [UInt8]) -> Int {
        guard tiff.count >= 8 else { return 1 }
        let little: Bool
        switch (tiff[0], tiff[1]) {
        case (0x49, 0x49): little = true   // "II"
        case (0x4D, 0x4D): little = false  // "MM"
        default: return 1
        }
        func read(_ offset: Int, _ size: Int) -> Int? {
            guard offset >= 0, size <= tiff.count, offset <= tiff.count - size else { return nil }
            var value = 0
            for i in 0..<size { value |= Int(tiff[offset + i]) << (8 * (little ? i : size - 1 - i)) }
            return value
        }
        guard read(2, 2) == 42, let ifd = read(4, 4), let entries = read(ifd, 2) else { return 1 }
        for entry in 0..<entries {
            let at = ifd + 2 + 12 * entry
            guard let tag = read(at, 2), let type = read(at + 2, 2) else { return 1 }
            guard tag == 0x0112 else { continue }
            // SHORT as the standard says; LONG as some writers put it.
            let value = type == 3 ? read(at + 8, 2) : type == 4 ? read(at + 8, 4) : nil
            guard let value, (1...8).contains(value) else { return 1 }
            return value
        }
        return 1
    }

    /// The upright image for `orientation`: 2 mirror, 3 rotate 180°, 4 flip, 5 transpose,
    /// 6 rotate 90° clockwise, 7 transverse, 8 rotate 90° counter-clockwise. 5–8 swap width and height.
    static func apply(_ orientation: Int, to image: Image) throws -> Image {
        guard (2...8).contains(orientation) else { return image }
        let w = image.width, h = image.height, c = image.channels
        let swaps = orientation >= 5
        let outWidth = swaps ? h : w, outHeight = swaps ? w : h
        var out = [UInt8](repeating: 0, count: image.pixels.count)
        image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<outHeight {
                    for x in 0..<outWidth {
                        // The source pixel of output (x, y).
                        let (sx, sy): (Int, Int)
                        switch orientation {
                        case 2: (sx, sy) = (w - 1 - x, y)
                        case 3: (sx, sy) = (w - 1 - x, h - 1 - y)
                        case 4: (sx, sy) = (x, h - 1 - y)
                        case 5: (sx, sy) = (y, x)
                        case 6: (sx, sy) = (y, h - 1 - x)
                        case 7: (sx, sy) = (w - 1 - y, h - 1 - x)
                        default: (sx, sy) = (w - 1 - y, x)  // 8
                        }
                        let from = (sy * w + sx) * c, to = (y * outWidth + x) * c
                        for k in 0..<c { dst[to + k] = src[from + k] }
                    }
                }
            }
        }
        return try Image(width: outWidth, height: outHeight, channels: c, pixels: out)
    }
}

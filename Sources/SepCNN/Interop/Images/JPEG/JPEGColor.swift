/// From coefficients to pixels: the IDCT of every block, upsampling of subsampled components and
/// YCbCr → RGB, each as libjpeg does it (`jdsample.c` with `do_fancy_upsampling`, `jdcolor.c`), so
/// that the result matches Pillow's.
enum JPEGColor {
    static func image(from frame: JPEGFrame, colorTransform: Bool) throws -> Image {
        // Each component's samples at its own resolution, the coefficients released as soon as they are used.
        let planes: [Plane] = frame.components.map { component in
            defer { component.coefficients = nil }
            return Plane(component)
        }
        let width = frame.width, height = frame.height
        let channels = planes.count == 1 ? 1 : 3
        var pixels = [UInt8](repeating: 0, count: width * height * channels)
        var rows = planes.map { _ in [UInt8](repeating: 0, count: width) }
        pixels.withUnsafeMutableBufferPointer { out in
            for y in 0..<height {
                for c in 0..<planes.count {
                    rows[c].withUnsafeMutableBufferPointer { planes[c].upsampledRow(y, frame: frame, into: $0.baseAddress!, width: width) }
                }
                let line = out.baseAddress! + y * width * channels
                if channels == 1 {
                    rows[0].withUnsafeBufferPointer { line.update(from: $0.baseAddress!, count: width) }
                } else if colorTransform {
                    YCbCr.convert(rows[0], rows[1], rows[2], into: line, count: width)
                } else {
                    for x in 0..<width { line[3 * x] = rows[0][x]; line[3 * x + 1] = rows[1][x]; line[3 * x + 2] = rows[2][x] }
                }
            }
        }
        return try Image(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// One component's samples, `stride` wide (the whole block grid); the first `width × height`
    /// cover the image.
    struct Plane {
        let samples: [UInt8]
        let stride: Int
        let width: Int, height: Int
        let h: Int, v: Int

        init(_ c: JPEGComponent) {
            stride = c.blocksPerLine * 8
            width = c.width
            height = c.height
            h = c.h
            v = c.v
            var samples = [UInt8](repeating: 0, count: stride * c.blocksPerColumn * 8)
            if let coefficients = c.coefficients {
                let quantization = c.quantization ?? [Int32](repeating: 0, count: 64)
                let stride = stride
                let workspace = UnsafeMutablePointer<Int32>.allocate(capacity: 64)
                defer { workspace.deallocate() }
                samples.withUnsafeMutableBufferPointer { out in
                    quantization.withUnsafeBufferPointer { q in
                        for by in 0..<c.blocksPerColumn {
                            for bx in 0..<c.blocksPerLine {
                                JPEGIDCT.transform(coefficients.pointer + (by * c.blocksPerLine + bx) * 64, quantization: q.baseAddress!,
                                                   into: out.baseAddress! + by * 8 * stride + bx * 8, stride: stride, workspace: workspace)
                            }
                        }
                    }
                }
            } else {
                // A component no scan coded (possible in a progressive file cut short): mid-gray, as all-zero coefficients give.
                samples = [UInt8](repeating: 128, count: samples.count)
            }
            self.samples = samples
        }

        /// Output row `y` of the image from this component, upsampled by libjpeg's rule for its ratio:
        /// fancy (triangular) for 2:1 horizontal, vertical or both (h2v1/h2v2 only when the component
        /// is more than 2 samples wide), plain replication for every other integer ratio.
        func upsampledRow(_ y: Int, frame: JPEGFrame, into out: UnsafeMutablePointer<UInt8>, width outWidth: Int) {
            let hr = frame.maxH / h, vr = frame.maxV / v
            samples.withUnsafeBufferPointer { s in
                let base = s.baseAddress!
                @inline(__always) func row(_ r: Int) -> UnsafePointer<UInt8> { base + min(max(r, 0), height - 1) * stride }
                let fancyH = hr == 2 && width > 2
                if vr == 2 && (hr == 1 || fancyH) {
                    // The nearer input row weighs 3/4, the next nearer (above for an even output row, below for an odd one) 1/4.
                    let nearer = row(y / 2), further = row(y % 2 == 0 ? y / 2 - 1 : y / 2 + 1)
                    if hr == 1 {
                        let bias = y % 2 == 0 ? 1 : 2
                        for x in 0..<outWidth { out[x] = UInt8((3 * Int(nearer[x]) + Int(further[x]) + bias) >> 2) }
                    } else {
                        fancyH2V2(nearer, further, into: out, outWidth: outWidth)
                    }
                } else if vr == 1 && fancyH {
                    fancyH2V1(row(y), into: out, outWidth: outWidth)
                } else {
                    let source = row(y / vr)
                    if hr == 1 {
                        out.update(from: source, count: outWidth)
                    } else {
                        for x in 0..<outWidth { out[x] = source[x / hr] }
                    }
                }
            }
        }

        /// `h2v1_fancy_upsample`: each output pixel is 3/4 its input sample and 1/4 the next nearest,
        /// rounding alternately down and up; the first and last samples are copied.
        private func fancyH2V1(_ s: UnsafePointer<UInt8>, into out: UnsafeMutablePointer<UInt8>, outWidth: Int) {
            @inline(__always) func put(_ x: Int, _ value: Int) { if x < outWidth { out[x] = UInt8(value) } }
            let n = width
            put(0, Int(s[0]))
            put(1, (3 * Int(s[0]) + Int(s[1]) + 2) >> 2)
            for i in 1 ..< n - 1 where 2 * i < outWidth {
                let near = 3 * Int(s[i])
                put(2 * i, (near + Int(s[i - 1]) + 1) >> 2)
                put(2 * i + 1, (near + Int(s[i + 1]) + 2) >> 2)
            }
            put(2 * n - 2, (3 * Int(s[n - 1]) + Int(s[n - 2]) + 1) >> 2)
            put(2 * n - 1, Int(s[n - 1]))
        }

        /// `h2v2_fancy_upsample`: the vertical 3:1 column sums, then the same triangle horizontally
        /// (9/16, 3/16, 3/16, 1/16 overall) with libjpeg's rounding constants 8 and 7.
        private func fancyH2V2(_ nearer: UnsafePointer<UInt8>, _ further: UnsafePointer<UInt8>,
                               into out: UnsafeMutablePointer<UInt8>, outWidth: Int) {
            @inline(__always) func put(_ x: Int, _ value: Int) { if x < outWidth { out[x] = UInt8(value) } }
            @inline(__always) func sum(_ i: Int) -> Int { 3 * Int(nearer[i]) + Int(further[i]) }
            let n = width
            put(0, (sum(0) * 4 + 8) >> 4)
            put(1, (sum(0) * 3 + sum(1) + 7) >> 4)
            for i in 1 ..< n - 1 where 2 * i < outWidth {
                let this = 3 * sum(i)
                put(2 * i, (this + sum(i - 1) + 8) >> 4)
                put(2 * i + 1, (this + sum(i + 1) + 7) >> 4)
            }
            put(2 * n - 2, (3 * sum(n - 1) + sum(n - 2) + 8) >> 4)
            put(2 * n - 1, (sum(n - 1) * 4 + 7) >> 4)
        }
    }

    /// `jdcolor.c`'s `ycc_rgb_convert`: JFIF's YCbCr → RGB in 16-bit fixed point, by table.
    enum YCbCr {
        private static func fix(_ x: Double) -> Int { Int(x * 65536 + 0.5) }
        private static let half = 1 << 15
        static let crToR: [Int] = (0..<256).map { (fix(1.40200) * ($0 - 128) + half) >> 16 }
        static let cbToB: [Int] = (0..<256).map { (fix(1.77200) * ($0 - 128) + half) >> 16 }
        static let crToG: [Int] = (0..<256).map { -fix(0.71414) * ($0 - 128) }
        static let cbToG: [Int] = (0..<256).map { -fix(0.34414) * ($0 - 128) + half }

        static func convert(_ luma: [UInt8], _ cb: [UInt8], _ cr: [UInt8], into out: UnsafeMutablePointer<UInt8>, count: Int) {
            for x in 0..<count {
                let y = Int(luma[x]), b = Int(cb[x]), r = Int(cr[x])
                out[3 * x] = UInt8(clamping: y + crToR[r])
                out[3 * x + 1] = UInt8(clamping: y + ((cbToG[b] + crToG[r]) >> 16))
                out[3 * x + 2] = UInt8(clamping: y + cbToB[b])
            }
        }
    }
}

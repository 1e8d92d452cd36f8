// The int8 pooling kernels: loops over whole channel rows, which LLVM vectorises (byte max, widening
// adds), instead of the references' element-at-a-time windows. Same results exactly.

/// As `qs8MaxPool2DReference`, for output rows `rows` (indices into batch · outputHeight).
func qs8MaxPool2D(_ g: ConvGeometry, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>, rows: Range<Int>) {
    let channels = g.inputChannels
    for row in rows {
        let n = row / g.outputHeight, oy = row &- n &* g.outputHeight
        let image = input + n &* (g.inputHeight &* g.inputWidth &* channels)
        for ox in 0..<g.outputWidth {
            let out = output + (row &* g.outputWidth &+ ox) &* channels
            out.update(repeating: Int8.min, count: channels)
            for ky in 0..<g.kernelHeight {
                let iy = oy &* g.strideHeight &- g.padTop &+ ky
                if iy < 0 || iy >= g.inputHeight { continue }
                for kx in 0..<g.kernelWidth {
                    let ix = ox &* g.strideWidth &- g.padLeft &+ kx
                    if ix < 0 || ix >= g.inputWidth { continue }
                    let pixel = image + (iy &* g.inputWidth &+ ix) &* channels
                    for c in 0..<channels { out[c] = max(out[c], pixel[c]) }
                }
            }
        }
    }
}

/// As `qs8AvgPool2DReference`, for output rows `rows`; `scratch` holds `channels` int32 sums.
func qs8AvgPool2D(_ g: ConvGeometry, countIncludesPadding: Bool, zeroPoint: Int8, input: UnsafePointer<Int8>,
                  output: UnsafeMutablePointer<Int8>, rows: Range<Int>, scratch: UnsafeMutableRawPointer) {
    let channels = g.inputChannels, z = Int32(zeroPoint)
    let sums = scratch.bindMemory(to: Int32.self, capacity: channels)
    for row in rows {
        let n = row / g.outputHeight, oy = row &- n &* g.outputHeight
        let image = input + n &* (g.inputHeight &* g.inputWidth &* channels)
        for ox in 0..<g.outputWidth {
            sums.update(repeating: 0, count: channels)
            var inside: Int32 = 0
            for ky in 0..<g.kernelHeight {
                let iy = oy &* g.strideHeight &- g.padTop &+ ky
                if iy < 0 || iy >= g.inputHeight { continue }
                for kx in 0..<g.kernelWidth {
                    let ix = ox &* g.strideWidth &- g.padLeft &+ kx
                    if ix < 0 || ix >= g.inputWidth { continue }
                    let pixel = image + (iy &* g.inputWidth &+ ix) &* channels
                    for c in 0..<channels { sums[c] &+= Int32(pixel[c]) }
                    inside &+= 1
                }
            }
            // Σ (q − z) = Σ q − inside · z: the zero point leaves the inner loop.
            let offset = inside &* z
            let divisor = countIncludesPadding ? Int32(g.kernelHeight &* g.kernelWidth) : max(inside, 1)
            let out = output + (row &* g.outputWidth &+ ox) &* channels
            for c in 0..<channels { out[c] = qs8Average(sums[c] &- offset, divisor, zeroPoint: z) }
        }
    }
}

/// As `qs8GlobalAvgPoolReference`, for images `images`; `scratch` holds `channels` int32 sums.
func qs8GlobalAvgPool(images: Range<Int>, pixels: Int, channels: Int, zeroPoint: Int8, input: UnsafePointer<Int8>,
                      output: UnsafeMutablePointer<Int8>, scratch: UnsafeMutableRawPointer) {
    let z = Int32(zeroPoint), sums = scratch.bindMemory(to: Int32.self, capacity: channels)
    for n in images {
        sums.update(repeating: 0, count: channels)
        var pixel = input + n &* pixels &* channels
        for _ in 0..<pixels {
            for c in 0..<channels { sums[c] &+= Int32(pixel[c]) }
            pixel += channels
        }
        let offset = Int32(truncatingIfNeeded: pixels) &* z, divisor = Int32(truncatingIfNeeded: max(pixels, 1))
        let out = output + n &* channels
        for c in 0..<channels { out[c] = qs8Average(sums[c] &- offset, divisor, zeroPoint: z) }
    }
}

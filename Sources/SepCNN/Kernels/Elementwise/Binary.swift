/// output[i] = a[i] + b[i]: the residual addition.
func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count { output[i] = a[i] + b[i] }
}

/// Scales every pixel's channels by a per-image gate: `out[n, p, c] = x[n, p, c] · gate[n, c]`, for the
/// pixels `pixelRange` of the flattened `batch · pixels` (all of them by default).
/// The multiplication at the end of squeeze-and-excitation.
func multiplyChannels(_ x: UnsafePointer<Float>, gate: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                      batch: Int, pixels: Int, channels: Int, pixelRange: Range<Int>? = nil) {
    let range = pixelRange ?? 0..<(batch &* pixels)
    var n = pixels == 0 ? 0 : range.lowerBound / pixels
    var nextImage = (n &+ 1) &* pixels
    var g = gate + n &* channels
    for p in range {
        if p == nextImage {
            n &+= 1
            nextImage &+= pixels
            g = gate + n &* channels
        }
        let offset = p &* channels
        for c in 0..<channels { output[offset &+ c] = x[offset &+ c] * g[c] }
    }
}

/// output[i] = a[i] + b[i]: the residual addition.
func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count { output[i] = a[i] + b[i] }
}

/// Scales every pixel's channels by a per-image gate: `out[n, p, c] = x[n, p, c] · gate[n, c]`.
/// The multiplication at the end of squeeze-and-excitation.
func multiplyChannels(_ x: UnsafePointer<Float>, gate: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                      batch: Int, pixels: Int, channels: Int) {
    for n in 0..<batch {
        let g = gate + n &* channels
        let base = n &* pixels &* channels
        for p in 0..<pixels {
            let offset = base &+ p &* channels
            for c in 0..<channels { output[offset &+ c] = x[offset &+ c] * g[c] }
        }
    }
}

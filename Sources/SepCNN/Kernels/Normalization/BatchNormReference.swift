/// Per-channel mean and biased variance over `rows` rows of `channels` (all pixels of all images):
/// the batch statistics BatchNorm normalises with in training mode. Two passes in Double, because a
/// batch of 64 × 112 × 112 pixels sums ~800k terms per channel.
func batchStatisticsReference(_ input: UnsafePointer<Float>, rows: Int, channels: Int,
                              mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>) {
    let n = Double(max(rows, 1))
    for c in 0..<channels {
        var sum = 0.0
        for r in 0..<rows { sum += Double(input[r &* channels &+ c]) }
        let mu = sum / n
        var squares = 0.0
        for r in 0..<rows {
            let d = Double(input[r &* channels &+ c]) - mu
            squares += d * d
        }
        mean[c] = Float(mu)
        variance[c] = Float(squares / n)
    }
}

/// `out[r, c] = act(x[r, c] · scale[c] + shift[c])`: batch normalisation once its statistics and
/// affine parameters are folded into one scale and shift per channel.
func scaleShiftReference(_ input: UnsafePointer<Float>, rows: Int, channels: Int,
                         scale: UnsafePointer<Float>, shift: UnsafePointer<Float>,
                         activation: Activation, output: UnsafeMutablePointer<Float>) {
    for r in 0..<rows {
        let x = input + r &* channels, y = output + r &* channels
        for c in 0..<channels { y[c] = x[c] * scale[c] + shift[c] }
    }
    if activation != .linear { applyActivation(activation, output, output, count: rows &* channels) }
}

// Batch normalisation for training: batch statistics and the backward pass, over `[rows, channels]`
// with 16 channels per vector. Rows go in blocks of `blockRows` (a block of 64 channels is 32 KB,
// so it stays in L1 while each channel block walks it: memory is read once, in order). Sums run in
// float32 within a block and are carried across blocks in Double, so 800k-row batches keep the
// reference's accuracy.

private let blockRows = 128

/// Fills `scratch[0 ..< 2 · channels]` with per-channel sums that `accumulate(rows, sums)` adds up
/// over a range of rows. A large batch is cut at block boundaries into one part per thread, each
/// summing into its own zeroed Doubles, which are then added in part order: the same result for the
/// same thread count, run after run.
private func sumInRowParts(rows: Int, channels: Int, scratch: UnsafeMutablePointer<Double>, pool: ThreadPool,
                           _ accumulate: (Range<Int>, UnsafeMutablePointer<Double>) -> Void) {
    let width = 2 &* channels
    let parts = parallelParts(flops: streamingCostPerElement &* rows &* channels, threads: pool.threads,
                              units: (rows &+ blockRows &- 1) / blockRows)
    scratch.initialize(repeating: 0, count: width)
    guard parts > 1 else { return accumulate(0..<rows, scratch) }
    withUnsafeTemporaryAllocation(of: Double.self, capacity: (parts &- 1) &* width) { extra in
        let partial = extra.baseAddress!
        partial.initialize(repeating: 0, count: (parts &- 1) &* width)
        pool.parallelFor(parts) { part in
            let range = partition(rows, parts: parts, part: part, granule: blockRows)
            accumulate(range, part == 0 ? scratch : partial + (part &- 1) &* width)
        }
        for part in 1..<parts {
            let sums = partial + (part &- 1) &* width
            for i in 0..<width { scratch[i] += sums[i] }
        }
    }
}

/// Same contract as `batchStatisticsReference` (per-channel mean and biased variance), in one
/// row-major vectorized pass: it sums d = x − s and d² with s = the first row's value, then
/// mean = s + Σd/N and variance = Σd²/N − (Σd/N)². Shifting by a sample keeps the subtraction
/// benign (Σd²/N exceeds the variance only by (mean − s)², a few variances for any sample that
/// is not an extreme outlier), and the sums are carried in Double. `scratch` holds 2 · `channels` Doubles.
func batchStatistics(_ input: UnsafePointer<Float>, rows: Int, channels: Int,
                     mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>,
                     scratch: UnsafeMutablePointer<Double>, pool: ThreadPool = .shared) {
    guard rows > 0 else {
        mean.initialize(repeating: 0, count: channels)
        variance.initialize(repeating: 0, count: channels)
        return
    }
    let shift = input  // the first row
    sumInRowParts(rows: rows, channels: channels, scratch: scratch, pool: pool) { part, sums in
        accumulateShiftedSums(input, rows: part, channels: channels, shift: shift, into: sums)
    }
    let n = Double(rows)
    for c in 0..<channels {
        let m = scratch[c] / n
        mean[c] = Float(Double(shift[c]) + m)
        variance[c] = Float(max(scratch[channels &+ c] / n - m * m, 0))
    }
}

/// Adds Σ (x − shift) and Σ (x − shift)² over `rows` to `sums[c]` and `sums[channels + c]`.
private func accumulateShiftedSums(_ input: UnsafePointer<Float>, rows: Range<Int>, channels: Int,
                                   shift: UnsafePointer<Float>, into sums: UnsafeMutablePointer<Double>) {
    var r0 = rows.lowerBound
    while r0 < rows.upperBound {
        let r1 = min(rows.upperBound, r0 &+ blockRows)
        var c = 0
        while c &+ 16 <= channels {
            let s = load16(shift + c)
            // Two rows per step into two sets of sums: one set alone would wait on FMA latency.
            var d1 = SIMD16<Float>(), d2 = SIMD16<Float>(), e1 = SIMD16<Float>(), e2 = SIMD16<Float>()
            var r = r0
            while r &+ 2 <= r1 {
                let d = load16(input + (r &* channels &+ c)) - s, e = load16(input + ((r &+ 1) &* channels &+ c)) - s
                d1 += d; fmadd(&d2, d, d)
                e1 += e; fmadd(&e2, e, e)
                r &+= 2
            }
            if r < r1 {
                let d = load16(input + (r &* channels &+ c)) - s
                d1 += d; fmadd(&d2, d, d)
            }
            d1 += e1; d2 += e2
            for lane in 0..<16 {
                sums[c &+ lane] += Double(d1[lane])
                sums[channels &+ c &+ lane] += Double(d2[lane])
            }
            c &+= 16
        }
        while c < channels {
            var d1: Float = 0, d2: Float = 0
            for r in r0..<r1 {
                let d = input[r &* channels &+ c] - shift[c]
                d1 += d
                d2 += d * d
            }
            sums[c] += Double(d1); sums[channels &+ c] += Double(d2)
            c &+= 1
        }
        r0 = r1
    }
}

/// The per-channel sums batch normalisation's backward pass needs, in one pass:
/// `sumGrad[c] = Σ_r dy[r, c]` and `sumGradCentered[c] = Σ_r dy[r, c] · (x[r, c] − mean[c])`.
/// (γ's gradient is `sumGradCentered · invStd`, β's is `sumGrad`.) `scratch` holds 2 · `channels` Doubles.
func batchNormBackwardSums(input: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>, rows: Int, channels: Int,
                           mean: UnsafePointer<Float>, sumGrad: UnsafeMutablePointer<Float>,
                           sumGradCentered: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Double>,
                           pool: ThreadPool = .shared) {
    sumInRowParts(rows: rows, channels: channels, scratch: scratch, pool: pool) { part, sums in
        accumulateGradientSums(input: input, gradOutput: gradOutput, rows: part, channels: channels, mean: mean, into: sums)
    }
    for c in 0..<channels { sumGrad[c] = Float(scratch[c]); sumGradCentered[c] = Float(scratch[channels &+ c]) }
}

/// Adds Σ dy and Σ dy · (x − mean) over `rows` to `sums[c]` and `sums[channels + c]`.
private func accumulateGradientSums(input: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>, rows: Range<Int>,
                                    channels: Int, mean: UnsafePointer<Float>, into sums: UnsafeMutablePointer<Double>) {
    var r0 = rows.lowerBound
    while r0 < rows.upperBound {
        let r1 = min(rows.upperBound, r0 &+ blockRows)
        var c = 0
        while c &+ 16 <= channels {
            let mu = load16(mean + c)
            // Two rows per step into two sets of sums: one set alone would wait on FMA latency.
            var g = SIMD16<Float>(), gc = SIMD16<Float>(), h = SIMD16<Float>(), hc = SIMD16<Float>()
            var r = r0
            while r &+ 2 <= r1 {
                let at = r &* channels &+ c, next = at &+ channels
                let dy = load16(gradOutput + at), dz = load16(gradOutput + next)
                g += dy; fmadd(&gc, dy, load16(input + at) - mu)
                h += dz; fmadd(&hc, dz, load16(input + next) - mu)
                r &+= 2
            }
            if r < r1 {
                let at = r &* channels &+ c
                let dy = load16(gradOutput + at)
                g += dy; fmadd(&gc, dy, load16(input + at) - mu)
            }
            g += h; gc += hc
            for lane in 0..<16 {
                sums[c &+ lane] += Double(g[lane])
                sums[channels &+ c &+ lane] += Double(gc[lane])
            }
            c &+= 16
        }
        while c < channels {
            var g: Float = 0, gc: Float = 0
            for r in r0..<r1 {
                let dy = gradOutput[r &* channels &+ c]
                g += dy
                gc += dy * (input[r &* channels &+ c] - mean[c])
            }
            sums[c] += Double(g); sums[channels &+ c] += Double(gc)
            c &+= 1
        }
        r0 = r1
    }
}

/// `gradInput[r, c] = a[c] · gradOutput[r, c] + b[c] · (input[r, c] − mean[c]) + shift[c]`: batch
/// normalisation's input gradient once its per-channel terms are folded (see `BatchNorm`'s pullback).
/// In eval mode b and shift are zero. `gradInput` may be `gradOutput`.
///
/// The centred form matters: Σ_r gradInput[r, c] is exactly zero in theory (a shift of BN's input
/// changes nothing), and folding μ into `shift` instead left a float32 residue of |b·μ|·ε per
/// element. Adam divides by the gradient's own size, so that residue moved the bias of the
/// convolution before every BatchNorm by a full learning-rate step each update: the activations'
/// mean drifted faster than the running mean could follow, and eval-mode accuracy fell 5–8 points.
func batchNormInputGradient(input: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>, rows: Int, channels: Int,
                            mean: UnsafePointer<Float>, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                            shift: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>) {
    for r in 0..<rows {
        let x = input + r &* channels, dy = gradOutput + r &* channels, dx = gradInput + r &* channels
        var c = 0
        while c &+ 16 <= channels {
            var v = load16(shift + c)
            fmadd(&v, load16(a + c), load16(dy + c))
            fmadd(&v, load16(b + c), load16(x + c) - load16(mean + c))
            store16(dx + c, v)
            c &+= 16
        }
        while c < channels { dx[c] = a[c] * dy[c] + b[c] * (x[c] - mean[c]) + shift[c]; c &+= 1 }
    }
}

/// The plain reference for batch normalisation's training-mode backward pass, in Double:
/// with x̂ = (x − mean) · invStd and N = rows,
/// dβ = Σ dy, dγ = Σ dy · x̂, dx = γ · invStd / N · (N · dy − Σ dy − x̂ · Σ dy · x̂).
/// Overwrites `gradInput`, `gradWeight` and `gradBias`.
func batchNormTrainingBackwardReference(input: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>, rows: Int, channels: Int,
                                        mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                        gradInput: UnsafeMutablePointer<Float>, gradWeight: UnsafeMutablePointer<Float>,
                                        gradBias: UnsafeMutablePointer<Float>) {
    let n = Double(rows)
    for c in 0..<channels {
        var sumDy = 0.0, sumDyXhat = 0.0
        for r in 0..<rows {
            let dy = Double(gradOutput[r &* channels &+ c])
            sumDy += dy
            sumDyXhat += dy * Double(input[r &* channels &+ c] - mean[c]) * Double(invStd[c])
        }
        gradBias[c] = Float(sumDy)
        gradWeight[c] = Float(sumDyXhat)
        let k = Double(weight[c]) * Double(invStd[c]) / n
        for r in 0..<rows {
            let xhat = Double(input[r &* channels &+ c] - mean[c]) * Double(invStd[c])
            gradInput[r &* channels &+ c] = Float(k * (n * Double(gradOutput[r &* channels &+ c]) - sumDy - xhat * sumDyXhat))
        }
    }
}

import Testing
@testable import SepCNN

/// Fast backward kernels and threaded drivers against their plain references on randomized shapes.
///
/// Tolerance: |fast − reference| ≤ 1e-4 · (1 + |reference|). The two sum the same float32 products
/// (at most a few thousand per value here) in different orders, so they agree to a few ulps of the
/// sum's magnitude; anything wrong in indexing is off by O(1).
@Suite struct BackwardKernelTests {
    static func random(_ count: Int, _ r: inout RandomGenerator) -> [Float] { (0..<count).map { _ in r.normal() } }

    static func agree(_ fast: [Float], _ reference: [Float], tolerance: Float = 1e-4) -> Bool {
        fast.count == reference.count && zip(fast, reference).allSatisfy { abs($0 - $1) <= tolerance * (1 + abs($1)) }
    }

    /// Random depthwise geometries from the forward tests, plus shapes wide enough for every unrolled
    /// path (≥ 4 columns per run, several 16-channel blocks and a tail).
    static let depthwiseGeometries: [ConvGeometry] = DepthwiseFastTests.randomCases(count: 60, seed: 17).map(\.g) + [
        DepthwiseFastTests.same(h: 9, w: 13, c: 37, k: 3, s: 1, batch: 3),
        DepthwiseFastTests.same(h: 8, w: 11, c: 48, k: 3, s: 2, batch: 2),
        DepthwiseFastTests.same(h: 7, w: 10, c: 20, k: 5, s: 2, batch: 4),
        DepthwiseFastTests.geometry(batch: 2, h: 6, w: 12, c: 18, m: 2, kh: 3, kw: 3, sh: 1, sw: 1, dh: 2, dw: 2,
                                    top: 2, bottom: 1, left: 3, right: 0)!,
    ]

    @Test(arguments: depthwiseGeometries)
    func depthwiseBackwardMatchesReference(_ g: ConvGeometry) {
        var r = RandomGenerator(seed: UInt64(g.inputCount &* 7 &+ g.outputCount))
        let x = Self.random(g.inputCount, &r), dy = Self.random(g.outputCount, &r)
        let w = Self.random(g.kernelHeight * g.kernelWidth * g.outputChannels, &r)
        var dxRef = [Float](repeating: 0, count: g.inputCount), dwRef = [Float](repeating: 0, count: w.count)
        var dbRef = [Float](repeating: 0, count: g.outputChannels)
        depthwiseConv2DBackwardInputReference(g, gradOutput: dy, weights: w, gradInput: &dxRef)
        depthwiseConv2DBackwardWeightsReference(g, input: x, gradOutput: dy, gradWeights: &dwRef, gradBias: &dbRef)
        // One thread and three (images split, partial weight sums added); dx starts as garbage.
        for pool in [ThreadPool(threads: 1), ThreadPool(threads: 3)] {
            var dx = [Float](repeating: .nan, count: g.inputCount), dw = [Float](repeating: .nan, count: w.count)
            var db = [Float](repeating: .nan, count: g.outputChannels)
            depthwiseConv2DBackward(g, input: x, weights: w, gradOutput: dy, gradInput: &dx, gradWeights: &dw, gradBias: &db, pool: pool)
            #expect(Self.agree(dx, dxRef), "input gradient, \(pool.threads) threads")
            // dW sums over every output pixel: float32 rounding grows with √(terms) in either order.
            let pixels = Float(g.batch * g.outputHeight * g.outputWidth)
            #expect(Self.agree(dw, dwRef, tolerance: 1e-4 * max(1, pixels.squareRoot() / 32)), "weight gradient, \(pool.threads) threads")
            #expect(Self.agree(db, dbRef), "bias gradient, \(pool.threads) threads")
        }
    }

    /// Standard and grouped shapes, plus one with more output pixels than an im2col block and two
    /// large enough to split images over threads (one with several blocks per image).
    static let convolutionGeometries: [ConvGeometry] = KernelTests.randomShapes(count: 40, seed: 23, depthwise: false).map(\.g)
        + [ConvGeometry(batch: 2, inputHeight: 30, inputWidth: 30, inputChannels: 4, outputHeight: 30, outputWidth: 30,
                        outputChannels: 6, kernelHeight: 3, kernelWidth: 3, strideHeight: 1, strideWidth: 1,
                        dilationHeight: 1, dilationWidth: 1, padTop: 1, padLeft: 1, groups: 2),
           ConvGeometry(batch: 3, inputHeight: 20, inputWidth: 21, inputChannels: 8, outputHeight: 10, outputWidth: 11,
                        outputChannels: 16, kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 2,
                        dilationHeight: 1, dilationWidth: 1, padTop: 1, padLeft: 1, groups: 1),
           ConvGeometry(batch: 5, inputHeight: 36, inputWidth: 36, inputChannels: 4, outputHeight: 36, outputWidth: 36,
                        outputChannels: 8, kernelHeight: 3, kernelWidth: 3, strideHeight: 1, strideWidth: 1,
                        dilationHeight: 1, dilationWidth: 1, padTop: 1, padLeft: 1, groups: 2)]

    @Test(arguments: convolutionGeometries)
    func convolutionBackwardMatchesReference(_ g: ConvGeometry) {
        guard !g.isDepthwise else { return }
        var r = RandomGenerator(seed: UInt64(g.inputCount &* 11 &+ g.outputCount))
        let x = Self.random(g.inputCount, &r), dy = Self.random(g.outputCount, &r)
        let w = Self.random(g.kernelHeight * g.kernelWidth * g.inputChannelsPerGroup * g.outputChannels, &r)
        var dxRef = [Float](repeating: 0, count: g.inputCount), dwRef = [Float](repeating: 0, count: w.count)
        var dbRef = [Float](repeating: 0, count: g.outputChannels)
        conv2DBackwardReference(g, input: x, weights: w, gradOutput: dy, gradInput: &dxRef, gradWeights: &dwRef, gradBias: &dbRef)
        for pool in [ThreadPool(threads: 1), ThreadPool(threads: 2), ThreadPool(threads: 3)] {
            var dx = [Float](repeating: .nan, count: g.inputCount), dw = [Float](repeating: .nan, count: w.count)
            var db = [Float](repeating: .nan, count: g.outputChannels)
            conv2DBackward(g, input: x, weights: w, gradOutput: dy, gradInput: &dx, gradWeights: &dw, gradBias: &db, pool: pool)
            #expect(Self.agree(dx, dxRef), "input gradient, \(pool.threads) threads")
            // dW sums over every output pixel: float32 rounding grows with √(terms) in either order.
            let pixels = Float(g.batch * g.outputHeight * g.outputWidth)
            #expect(Self.agree(dw, dwRef, tolerance: 1e-4 * max(1, pixels.squareRoot() / 32)), "weight gradient, \(pool.threads) threads")
            #expect(Self.agree(db, dbRef), "bias gradient, \(pool.threads) threads")
        }
    }

    @Test(arguments: [(1, 1, 1), (3, 5, 7), (37, 20, 17), (200, 3, 64), (130, 64, 3), (64, 130, 10)])
    func linearBackwardMatchesDefinition(_ shape: (Int, Int, Int)) {
        let (m, k, n) = shape
        var r = RandomGenerator(seed: UInt64(m * 1000 + k * 10 + n))
        let x = Self.random(m * k, &r), w = Self.random(k * n, &r), dy = Self.random(m * n, &r)
        var dxRef = [Float](repeating: 0, count: m * k), dwRef = [Float](repeating: 0, count: k * n)
        var dbRef = [Float](repeating: 0, count: n)
        for i in 0..<m {
            for p in 0..<k {
                var sum = 0.0
                for j in 0..<n { sum += Double(dy[i * n + j]) * Double(w[p * n + j]) }
                dxRef[i * k + p] = Float(sum)
            }
        }
        for p in 0..<k {
            for j in 0..<n {
                var sum = 0.0
                for i in 0..<m { sum += Double(x[i * k + p]) * Double(dy[i * n + j]) }
                dwRef[p * n + j] = Float(sum)
            }
        }
        for j in 0..<n { dbRef[j] = Float((0..<m).reduce(0.0) { $0 + Double(dy[$1 * n + j]) }) }
        var dx = [Float](repeating: .nan, count: m * k), dw = [Float](repeating: .nan, count: k * n)
        var db = [Float](repeating: .nan, count: n)
        linearBackward(m: m, k: k, n: n, input: x, weights: w, gradOutput: dy, gradInput: &dx, gradWeights: &dw, gradBias: &db,
                       pool: ThreadPool(threads: 2))
        #expect(Self.agree(dx, dxRef) && Self.agree(dw, dwRef) && Self.agree(db, dbRef))
    }

    /// C += Aᵀ·B on shapes with row and column tails, padded leading dimensions and a C that is not zero.
    @Test(arguments: [(1, 1, 1), (8, 16, 300), (13, 37, 257), (3, 64, 1000), (70, 10, 64), (9, 17, 5)])
    func transposedGEMMMatchesReference(_ shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        let lda = m + 3, ldb = n + 5, ldc = n + 2
        var r = RandomGenerator(seed: UInt64(m * 7 + n * 3 + k))
        let a = Self.random(k * lda, &r), b = Self.random(k * ldb, &r), start = Self.random(m * ldc, &r)
        var expected = start
        gemmTransposedAReference(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: &expected, ldc: ldc)
        for pool in [ThreadPool(threads: 1), ThreadPool(threads: 3)] {
            var actual = start
            gemmTransposedA(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: &actual, ldc: ldc, pool: pool)
            #expect(Self.agree(actual, expected), "\(pool.threads) threads")
        }
    }

    /// Pooling geometries with integer-valued inputs, so windows have ties: the first maximum must win.
    /// The fast forward kernel is checked here too, since the backward pass relies on its output.
    @Test(arguments: KernelTests.randomShapes(count: 30, seed: 29, depthwise: true).map(\.g))
    func maxPoolBackwardMatchesReference(_ shape: ConvGeometry) {
        var g = shape
        g.outputChannels = g.inputChannels; g.groups = g.inputChannels; g.dilationHeight = 1; g.dilationWidth = 1
        // Recompute the output size for dilation 1 (the shape generator may have used 2).
        g.outputHeight = (g.inputHeight + 2 * g.padTop - g.kernelHeight) / g.strideHeight + 1
        g.outputWidth = (g.inputWidth + 2 * g.padLeft - g.kernelWidth) / g.strideWidth + 1
        guard g.outputHeight > 0, g.outputWidth > 0, g.padTop < g.kernelHeight, g.padLeft < g.kernelWidth else { return }
        var r = RandomGenerator(seed: UInt64(g.inputCount))
        let x = (0..<g.inputCount).map { _ in Float(r.next() % 4) }, dy = Self.random(g.outputCount, &r)
        var y = [Float](repeating: 0, count: g.outputCount)
        maxPool2DReference(g, input: x, output: &y)
        var fastOutput = [Float](repeating: .nan, count: g.outputCount)
        maxPool2D(g, input: x, output: &fastOutput, images: 0..<g.batch)
        #expect(fastOutput == y, "the fast forward kernel (which training uses) agrees exactly")
        var expected = [Float](repeating: 0, count: g.inputCount), actual = [Float](repeating: .nan, count: g.inputCount)
        maxPool2DBackwardReference(g, input: x, gradOutput: dy, gradInput: &expected, images: 0..<g.batch)
        maxPool2DBackward(g, input: x, output: y, gradOutput: dy, gradInput: &actual, images: 0..<g.batch)
        #expect(Self.agree(actual, expected))
    }

    @Test(arguments: [(1, 1), (7, 3), (300, 17), (1000, 64), (2, 33)])
    func batchNormKernelsMatchReference(_ shape: (Int, Int)) {
        let (rows, channels) = shape
        var r = RandomGenerator(seed: UInt64(rows * 100 + channels))
        // An offset mean, as real activations have, so centring matters.
        let x = (0..<rows * channels).map { _ in r.normal(mean: 3, standardDeviation: 2) }, dy = Self.random(rows * channels, &r)
        let gamma = Self.random(channels, &r)
        var meanRef = [Float](repeating: 0, count: channels), varRef = meanRef, mean = meanRef, variance = meanRef
        batchStatisticsReference(x, rows: rows, channels: channels, mean: &meanRef, variance: &varRef)
        var scratch = [Double](repeating: 0, count: 2 * channels)
        batchStatistics(x, rows: rows, channels: channels, mean: &mean, variance: &variance, scratch: &scratch)
        #expect(Self.agree(mean, meanRef, tolerance: 1e-5) && Self.agree(variance, varRef, tolerance: 1e-5))

        let invStd = varRef.map { 1 / ($0 + 1e-5).squareRoot() }
        var dxRef = [Float](repeating: 0, count: rows * channels), dgRef = meanRef, dbRef = meanRef
        batchNormTrainingBackwardReference(input: x, gradOutput: dy, rows: rows, channels: channels, mean: meanRef, invStd: invStd,
                                           weight: gamma, gradInput: &dxRef, gradWeight: &dgRef, gradBias: &dbRef)
        var sumGrad = meanRef, sumCentered = meanRef
        batchNormBackwardSums(input: x, gradOutput: dy, rows: rows, channels: channels, mean: meanRef,
                              sumGrad: &sumGrad, sumGradCentered: &sumCentered, scratch: &scratch)
        let n = Float(rows)
        let a = (0..<channels).map { gamma[$0] * invStd[$0] }
        let b = (0..<channels).map { -a[$0] * invStd[$0] * invStd[$0] * sumCentered[$0] / n }
        let shift = (0..<channels).map { -a[$0] * sumGrad[$0] / n }
        var dx = [Float](repeating: .nan, count: rows * channels)
        batchNormInputGradient(input: x, gradOutput: dy, rows: rows, channels: channels, mean: meanRef, a: a, b: b, shift: shift,
                               gradInput: &dx)
        #expect(Self.agree(sumGrad, dbRef))
        #expect(Self.agree((0..<channels).map { sumCentered[$0] * invStd[$0] }, dgRef))
        #expect(Self.agree(dx, dxRef, tolerance: 1e-4))
        // A shift of BN's input changes nothing, so each channel's input gradient sums to zero; with x's
        // mean far from 0 (here 3) the centred form keeps that sum at float32 rounding of its largest terms, a·dy.
        for c in 0..<channels {
            let total = (0..<rows).reduce(0.0) { $0 + Double(dx[$1 * channels + c]) }
            let scale = (0..<rows).reduce(0.0) { $0 + abs(Double(a[c] * dy[$1 * channels + c])) }
            #expect(abs(total) <= 1e-5 * scale, "channel \(c): Σ dx = \(total) against Σ|a·dy| = \(scale)")
        }
    }

    @Test(arguments: Activation.allCases)
    func activationBackwardMatchesDerivative(_ activation: Activation) {
        var r = RandomGenerator(seed: 5)
        // Include the kinks themselves: the convention there must match PyTorch's (see `derivative`).
        let x = Self.random(997, &r).map { $0 * 5 } + [0, 6, -3, 3]
        let dy = Self.random(x.count, &r)
        var expected = [Float](repeating: 0, count: x.count), actual = [Float](repeating: .nan, count: x.count)
        activationBackwardReference(activation, input: x, gradOutput: dy, gradInput: &expected, count: x.count)
        activationBackward(activation, input: x, gradOutput: dy, gradInput: &actual, count: x.count)
        #expect(Self.agree(actual, expected, tolerance: 1e-6))
    }

    @Test func derivativesAtKinksFollowPyTorch() {
        #expect(Activation.relu.derivative(0) == 0)
        #expect(Activation.relu6.derivative(0) == 0 && Activation.relu6.derivative(6) == 0)
        #expect(Activation.hardSigmoid.derivative(-3) == 0 && Activation.hardSigmoid.derivative(3) == 0)
        // torch 2.15: hardswish_backward is 0 for x ≤ −3 and 1 for x ≥ 3.
        #expect(Activation.hardSwish.derivative(-3) == 0 && Activation.hardSwish.derivative(3) == 1)
    }
}

import Testing
@testable import SepCNN

/// Randomized cross-checks between kernels and independent plain implementations in Double.
/// Tolerance: |a − b| ≤ 1e-4 · (1 + |b|); sums of at most a few thousand float32 products.
@Suite struct KernelTests {
    /// A random convolution shape (kernel, stride, dilation, padding, groups, odd sizes, batch > 1).
    struct Shape: CustomStringConvertible {
        var g: ConvGeometry
        var description: String {
            "N\(g.batch) \(g.inputHeight)×\(g.inputWidth)×\(g.inputChannels)→\(g.outputChannels) k\(g.kernelHeight)×\(g.kernelWidth) "
                + "s\(g.strideHeight),\(g.strideWidth) d\(g.dilationHeight),\(g.dilationWidth) pad\(g.padTop),\(g.padLeft) groups \(g.groups)"
        }
    }

    static func randomShapes(count: Int, seed: UInt64, depthwise: Bool) -> [Shape] {
        var r = RandomGenerator(seed: seed)
        func pick(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(r.next() % UInt64(range.count)) }
        var shapes: [Shape] = []
        while shapes.count < count {
            let groups = depthwise ? pick(1...19) : [1, 1, 2, 3].randomElement(using: &r)!
            let inputChannels = depthwise ? groups : groups * pick(1...5)
            let outputChannels = groups * (depthwise ? pick(1...3) : pick(1...5))
            let kh = pick(1...5), kw = pick(1...5), sh = pick(1...3), sw = pick(1...3), dh = pick(1...2), dw = pick(1...2)
            let h = pick(1...11), w = pick(1...11), padTop = pick(0...2), padLeft = pick(0...2)
            let padBottom = pick(0...2), padRight = pick(0...2)
            let outH = (h + padTop + padBottom - ((kh - 1) * dh + 1)) / sh + 1
            let outW = (w + padLeft + padRight - ((kw - 1) * dw + 1)) / sw + 1
            guard h + padTop + padBottom >= (kh - 1) * dh + 1, w + padLeft + padRight >= (kw - 1) * dw + 1 else { continue }
            shapes.append(Shape(g: ConvGeometry(
                batch: pick(1...3), inputHeight: h, inputWidth: w, inputChannels: inputChannels,
                outputHeight: outH, outputWidth: outW, outputChannels: outputChannels,
                kernelHeight: kh, kernelWidth: kw, strideHeight: sh, strideWidth: sw,
                dilationHeight: dh, dilationWidth: dw, padTop: padTop, padLeft: padLeft, groups: groups)))
        }
        return shapes
    }

    /// Direct convolution from the definition, in Double, weights [kh, kw, Cin/g, Cout].
    static func naiveConvolution(_ g: ConvGeometry, _ x: [Float], _ w: [Float], _ bias: [Float]) -> [Float] {
        let inPerGroup = g.inputChannels / g.groups, outPerGroup = g.outputChannels / g.groups
        var out = [Float](repeating: 0, count: g.outputCount)
        for n in 0..<g.batch { for oy in 0..<g.outputHeight { for ox in 0..<g.outputWidth { for o in 0..<g.outputChannels {
            let group = o / outPerGroup
            var sum = Double(bias[o])
            for ky in 0..<g.kernelHeight { for kx in 0..<g.kernelWidth { for ci in 0..<inPerGroup {
                let iy = oy * g.strideHeight - g.padTop + ky * g.dilationHeight
                let ix = ox * g.strideWidth - g.padLeft + kx * g.dilationWidth
                guard iy >= 0, iy < g.inputHeight, ix >= 0, ix < g.inputWidth else { continue }
                let xv = x[((n * g.inputHeight + iy) * g.inputWidth + ix) * g.inputChannels + group * inPerGroup + ci]
                let wv = w[((ky * g.kernelWidth + kx) * inPerGroup + ci) * g.outputChannels + o]
                sum += Double(xv) * Double(wv)
            } } }
            out[((n * g.outputHeight + oy) * g.outputWidth + ox) * g.outputChannels + o] = Float(sum)
        } } } }
        return out
    }

    static func random(_ count: Int, _ r: inout RandomGenerator) -> [Float] {
        (0..<count).map { _ in r.normal() }
    }

    static func agree(_ a: [Float], _ b: [Float]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-4 * (1 + abs($1)) }
    }

    @Test(arguments: randomShapes(count: 60, seed: 1, depthwise: true))
    func depthwiseMatchesDefinition(_ shape: Shape) throws {
        let g = shape.g
        var r = RandomGenerator(seed: 9)
        let x = Self.random(g.inputCount, &r), w = Self.random(g.kernelHeight * g.kernelWidth * g.outputChannels, &r)
        let bias = Self.random(g.outputChannels, &r)
        let depthwise = try DepthwiseOperator(g, weights: w, bias: bias, activation: .linear)
        let y = try depthwise(Tensor(shape: [g.batch, g.inputHeight, g.inputWidth, g.inputChannels], scalars: x),
                              outputShape: [g.batch, g.outputHeight, g.outputWidth, g.outputChannels])
        #expect(Self.agree(y.scalars, Self.naiveConvolution(g, x, w, bias)))
    }

    @Test(arguments: randomShapes(count: 60, seed: 2, depthwise: false))
    func convolutionPathsMatchDefinition(_ shape: Shape) throws {
        let g = shape.g
        var r = RandomGenerator(seed: 10)
        let x = Self.random(g.inputCount, &r)
        let w = Self.random(g.kernelHeight * g.kernelWidth * g.inputChannelsPerGroup * g.outputChannels, &r)
        let bias = Self.random(g.outputChannels, &r)
        let expected = Self.naiveConvolution(g, x, w, bias)
        var direct = [Float](repeating: .nan, count: g.outputCount), viaGEMM = direct
        var scratch = [Float](repeating: .nan, count: max(im2colScratchCount(g), 1))
        conv2DReference(g, input: x, weights: w, bias: bias, activation: .linear, output: &direct)
        conv2DIm2Col(g, input: x, weights: w, bias: bias, activation: .linear, output: &viaGEMM, scratch: &scratch)
        let convolution = try ConvolutionOperator(g, weights: w, bias: bias, activation: .linear)
        let dispatched = try convolution(Tensor(shape: [g.batch, g.inputHeight, g.inputWidth, g.inputChannels], scalars: x),
                                         outputShape: [g.batch, g.outputHeight, g.outputWidth, g.outputChannels])
        #expect(Self.agree(direct, expected))
        #expect(Self.agree(viaGEMM, expected))
        #expect(Self.agree(dispatched.scalars, expected))
    }

    @Test func gemmWithStridesBiasAndActivation() {
        var r = RandomGenerator(seed: 4)
        for (m, n, k) in [(1, 1, 1), (7, 5, 3), (13, 17, 31), (64, 24, 144), (3, 40, 1)] {
            let lda = k + 2, ldb = n + 3, ldc = n + 1
            let a = Self.random(m * lda, &r), b = Self.random(k * ldb, &r), bias = Self.random(n, &r)
            var c = [Float](repeating: 99, count: m * ldc)
            gemm(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, bias: bias, activation: .relu6, c: &c, ldc: ldc)
            for i in 0..<m {
                for j in 0..<n {
                    var sum = Double(bias[j])
                    for p in 0..<k { sum += Double(a[i * lda + p]) * Double(b[p * ldb + j]) }
                    let expected = Float(min(max(sum, 0), 6))
                    #expect(abs(c[i * ldc + j] - expected) <= 1e-4 * (1 + abs(expected)))
                }
                #expect(c[i * ldc + n] == 99, "GEMM wrote past its row into the padding")
            }
        }
    }

    /// A fused activation equals the activation applied afterwards.
    @Test(arguments: Activation.allCases)
    func fusedActivationEqualsSeparateOne(_ activation: Activation) throws {
        var r = RandomGenerator(seed: 12)
        let x = try Tensor.normal([2, 6, 5, 4], standardDeviation: 4, using: &r)
        let fused = try Random.withSeed(1) { try DepthwiseConv2D(channels: 4, kernelSize: 3, padding: .same, activation: activation) }
        let plain = try Random.withSeed(1) { try DepthwiseConv2D(channels: 4, kernelSize: 3, padding: .same) }
        var expected = try plain(x)
        let count = expected.count
        expected.withMutablePointer { applyActivation(activation, $0, $0, count: count) }
        #expect(try fused(x).maxAbsoluteDifference(expected) == 0)
    }

    @Test func activationsAtTheirBreakpoints() {
        #expect(Activation.relu6(7) == 6 && Activation.relu6(-1) == 0)
        #expect(Activation.hardSwish(-3) == 0 && Activation.hardSwish(3) == 3)
        #expect(Activation.hardSigmoid(0) == 0.5 && Activation.hardSigmoid(4) == 1)
        #expect(Activation.sigmoid(0) == 0.5 && Activation.silu(0) == 0)
    }
}

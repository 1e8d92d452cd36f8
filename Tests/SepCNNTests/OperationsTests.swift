import Testing
@testable import SepCNN

/// The threaded drivers split work by rows, by panel-aligned columns, or by output rows; every
/// split must give the single-threaded reference's answer. Shapes are chosen large enough to
/// pass the threading threshold (400k flops). Tolerance |x − ref| ≤ 1e-4 · (1 + |ref|).
@Suite struct OperationsTests {
    static func agree(_ a: [Float], _ b: [Float]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-4 * (1 + abs($1)) }
    }

    @Test(arguments: [2, 3])
    func gemmSplitsRowsAndColumns(_ threads: Int) {
        let pool = ThreadPool(threads: threads)
        var r = RandomGenerator(seed: 21)
        // (m, k, n): few rows → column split (Dense, 7×7 layers); many rows → row split.
        for (m, k, n) in [(1, 512, 1000), (3, 300, 700), (49, 160, 960), (49, 960, 24), (200, 64, 144), (12, 700, 100)] {
            let a = (0..<(m * k)).map { _ in r.normal() }, b = (0..<(k * n)).map { _ in r.normal() }
            let bias = (0..<n).map { _ in r.normal() }
            var expected = [Float](repeating: 0, count: m * n), actual = [Float](repeating: .nan, count: m * n)
            gemmReference(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, bias: bias, activation: .relu, c: &expected, ldc: n)
            let packed = PackedGEMMWeights(k: k, n: n, b: b, ldb: n)
            GEMMOperator.multiply(rows: m, a: a, lda: k, packed: packed, bias: bias, activation: .relu, c: &actual, ldc: n, pool: pool)
            #expect(Self.agree(actual, expected), "m \(m) k \(k) n \(n) on \(threads) threads")
        }
    }

    @Test(arguments: [2, 3])
    func convolutionAndDepthwiseSplitPixels(_ threads: Int) throws {
        let pool = ThreadPool(threads: threads)
        var r = RandomGenerator(seed: 22)
        let input = try Tensor.normal([2, 17, 19, 32], using: &r)
        let conv = try Conv2D(inputChannels: 32, outputChannels: 48, kernelSize: 3, stride: 2, padding: .same, groups: 2)
        let depthwise = try DepthwiseConv2D(channels: 32, kernelSize: 3, padding: .explicit(1), depthMultiplier: 2)
        for layer in [conv, depthwise] as [any Layer] {
            let plan = try InferencePlan(layer, inputShape: input.shape, pool: pool)
            #expect(InferencePlanTests.agree(try plan(input), try layer(input)))
        }
    }

    /// Large enough that each thread unfolds its pixels in several chunks (a shallow 6-channel
    /// input, and a deep one whose chunk is a single GEMM row block), plus a grouped case.
    @Test(arguments: [1, 2, 3])
    func convolutionUnfoldsInChunks(_ threads: Int) throws {
        let pool = ThreadPool(threads: threads)
        var r = RandomGenerator(seed: 23)
        let cases: [(input: [Int], out: Int, kernel: Int, stride: Int, groups: Int)] = [
            ([1, 231, 229, 6], 32, 3, 2, 1), ([2, 30, 31, 96], 40, 3, 1, 1), ([1, 45, 47, 64], 64, 3, 1, 4)]
        for c in cases {
            let input = try Tensor.normal(c.input, using: &r)
            let layer = try Conv2D(inputChannels: c.input[3], outputChannels: c.out, kernelSize: Size2D(c.kernel),
                                   stride: Size2D(c.stride), padding: .same, groups: c.groups, activation: .relu6)
            let g = try layer.geometry(for: input.shape)
            #expect(ConvolutionOperator.im2colPartsScratchCount(g, threads: threads) < im2colScratchCount(g), "\(c) is not chunked")
            let plan = try InferencePlan(layer, inputShape: input.shape, pool: pool)
            var expected = Tensor(uncheckedShape: try layer.outputShape(for: input.shape))
            input.withPointer { x in layer.weight.value.withPointer { w in layer.bias!.value.withPointer { b in
                expected.withMutablePointer { y in conv2DReference(g, input: x, weights: w, bias: b, activation: .relu6, output: y) }
            } } }
            #expect(InferencePlanTests.agree(try plan(input), expected), "\(c) on \(threads) threads")
        }
    }
}

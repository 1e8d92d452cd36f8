import Testing
@testable import SepCNN

@Suite struct TensorTests {
    @Test func initialisersAndShapeChecks() throws {
        let t = try Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        #expect(t[1, 2] == 6)
        #expect(t.rank == 2 && t.count == 6)
        #expect(try Tensor.zeros([2, 2]).scalars == [0, 0, 0, 0])
        #expect(try Tensor.ones([3]).scalars == [1, 1, 1])
        #expect(try Tensor.filled([2], with: 7).scalars == [7, 7])
        #expect(throws: SepCNNError.self) { try Tensor(shape: [2, 2], scalars: [1, 2, 3]) }
        #expect(throws: SepCNNError.self) { try Tensor.zeros([2, -1]) }
        #expect(throws: SepCNNError.self) { try Tensor.zeros([Int.max, 4]) }
        #expect(try t.reshaped(to: [3, 2]).scalars == t.scalars)
        #expect(throws: SepCNNError.self) { try t.reshaped(to: [4, 2]) }
    }

    @Test func nchwConversionMovesEveryElement() throws {
        let (n, c, h, w) = (2, 3, 4, 5)
        let nchw = try Tensor(shape: [n, c, h, w], scalars: (0..<(n * c * h * w)).map(Float.init))
        let nhwc = try Tensor.fromNCHW(nchw)
        #expect(nhwc.shape == [n, h, w, c])
        for b in 0..<n { for y in 0..<h { for x in 0..<w { for ch in 0..<c {
            #expect(nhwc[b, y, x, ch] == nchw[b, ch, y, x])
        } } } }
        #expect(try nhwc.toNCHW() == nchw)
        #expect(throws: SepCNNError.self) { try Tensor.fromNCHW(Tensor.zeros([2, 3])) }
        #expect(throws: SepCNNError.self) { try nchw.transposed([0, 0, 1, 2]) }
    }

    @Test func generatorIsReproducible() {
        var a = RandomGenerator(seed: 42), b = RandomGenerator(seed: 42), c = RandomGenerator(seed: 43)
        let first = (0..<8).map { _ in a.next() }
        #expect(first == (0..<8).map { _ in b.next() })
        #expect(first != (0..<8).map { _ in c.next() })
    }

    /// Sample moments of 200,000 draws: the standard error of the mean is σ/√n ≈ 0.0022σ, so
    /// a tolerance of 0.01σ is over four standard errors.
    @Test func distributionsHaveTheirMoments() throws {
        var generator = RandomGenerator(seed: 1)
        let normal = try Tensor.normal([200_000], mean: 2, standardDeviation: 3, using: &generator).scalars
        let (mean, std) = moments(normal)
        #expect(abs(mean - 2) < 0.03 && abs(std - 3) < 0.03)
        let uniform = try Tensor.uniform([200_000], low: -1, high: 3, using: &generator).scalars
        #expect(uniform.allSatisfy { $0 >= -1 && $0 < 3 })
        #expect(abs(moments(uniform).mean - 1) < 0.02)
    }

    /// PyTorch's Conv2d default: kaiming_uniform(a = √5) gives U(±1/√fanIn); bias U(±1/√fanIn).
    @Test func pytorchDefaultInitialisation() throws {
        let conv = try Conv2D(inputChannels: 16, outputChannels: 64, kernelSize: 3)
        let bound = 1 / Float(16 * 9).squareRoot()
        let weights = conv.weight.value.scalars
        #expect(weights.allSatisfy { abs($0) <= bound })
        // U(−b, b) has standard deviation b/√3; 9,216 samples put the estimate within ~1 % (use 5 %).
        #expect(abs(moments(weights).std - bound / Float(3).squareRoot()) < 0.05 * bound)
        #expect(conv.bias!.value.scalars.allSatisfy { abs($0) <= bound })
        let depthwise = try DepthwiseConv2D(channels: 32, kernelSize: 3)
        #expect(depthwise.weight.value.scalars.allSatisfy { abs($0) <= 1 / 3 })  // fanIn = 9
    }

    @Test func glorotAndKaimingScales() throws {
        var generator = RandomGenerator(seed: 5)
        let glorot = try Initializer.glorotUniform.tensor(shape: [100, 200], fanIn: 100, fanOut: 200, using: &generator)
        let limit = (6 / Float(300)).squareRoot()
        #expect(glorot.scalars.allSatisfy { abs($0) <= limit })
        let he = try Initializer.kaimingNormal.tensor(shape: [50_000], fanIn: 50, fanOut: 50, using: &generator)
        #expect(abs(moments(he.scalars).std - (2 / Float(50)).squareRoot()) < 0.01 * (2 / Float(50)).squareRoot() * 4)
    }

    private func moments(_ values: [Float]) -> (mean: Float, std: Float) {
        let n = Double(values.count)
        let mean = values.reduce(0.0) { $0 + Double($1) } / n
        let variance = values.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n
        return (Float(mean), Float(variance.squareRoot()))
    }
}

import Testing
@testable import SepCNN

/// The int8 GEMM: the packed kernels (vpdpbusd in VNNI builds, plain Swift otherwise) equal
/// qs8GEMMReference exactly, and the reference matches float arithmetic on dequantized values.
@Suite struct QS8GEMMTests {
    static let awkward = [1, 2, 3, 5, 7, 13, 16, 17, 24, 31, 33, 48, 49, 64, 65, 97, 130]

    @Test(arguments: 0..<40)
    func operatorEqualsReference(seed: Int) throws {
        var r = QS8Random(seed: UInt64(seed))
        let m = r.int(0...3) == 0 ? r.int(1...3) : r.int(1...150)
        let k = Self.awkward[r.int(0...Self.awkward.count - 1)], n = Self.awkward[r.int(0...Self.awkward.count - 1)]
        let a = r.activations(m * k), w = r.weights(k * n)
        let scales = r.floats(n, 0.001...0.02)
        let bias: [Float]? = r.bool() ? r.floats(n, -2...2) : nil
        let input = r.parameters(), output = r.parameters(scale: 0.02...0.2)
        let activation = r.activation()
        let op = try QS8GEMMOperator(rows: m, k: k, n: n, weights: w, weightScales: scales, bias: bias,
                                     input: input, output: output, activation: activation)
        let threads = r.int(1...3)
        let got = runQS8(op, a, outputCount: m * n, threads: threads)
        let c = QS8LayerConstants(bias: bias, weightScales: scales, input: input, output: output, activation: activation)
        var expected = [Int8](repeating: 0, count: m * n)
        qs8GEMMReference(m: m, n: n, k: k, a: a, lda: k, inputZeroPoint: input.zeroPoint, b: w, ldb: n, bias: c.bias,
                         multipliers: c.multipliers, clamp: c.clamp, c: &expected, ldc: n)
        #expect(got == expected, "M\(m) K\(k) N\(n) \(activation) threads \(threads)")
    }

    /// dequantize(out) is the float layer on dequantized inputs, within one output step (rounding)
    /// plus the bias's quantization error.
    @Test func referenceMatchesFloat() throws {
        var r = QS8Random(seed: 99)
        let m = 5, k = 11, n = 7
        let a = r.activations(m * k), w = r.weights(k * n), scales = r.floats(n, 0.002...0.01), bias = r.floats(n, -1...1)
        let input = try QuantizationParameters(scale: 0.05, zeroPoint: 10), output = try QuantizationParameters(scale: 0.1, zeroPoint: -5)
        for activation in [Activation.linear, .relu, .relu6] {
            let c = QS8LayerConstants(bias: bias, weightScales: scales, input: input, output: output, activation: activation)
            var out = [Int8](repeating: 0, count: m * n)
            qs8GEMMReference(m: m, n: n, k: k, a: a, lda: k, inputZeroPoint: input.zeroPoint, b: w, ldb: n, bias: c.bias,
                             multipliers: c.multipliers, clamp: c.clamp, c: &out, ldc: n)
            for i in 0..<m {
                for j in 0..<n {
                    var x = bias[j]
                    for p in 0..<k { x += input.dequantize(a[i * k + p]) * Float(w[p * n + j]) * scales[j] }
                    let clamped = min(max(activation(x), output.dequantize(-128)), output.dequantize(127))
                    #expect(abs(output.dequantize(out[i * n + j]) - clamped) <= 0.5 * output.scale + 1e-4,
                            "\(activation) (\(i), \(j))")
                }
            }
        }
    }

    @Test func activationClamps() throws {
        let q = try QuantizationParameters(scale: 0.05, zeroPoint: -20)
        #expect(try qs8ActivationRange(.linear, q, "t") == QS8OutputClamp(zeroPoint: -20, low: -128, high: 127))
        #expect(try qs8ActivationRange(.relu, q, "t") == QS8OutputClamp(zeroPoint: -20, low: -20, high: 127))
        // 6 / 0.05 = 120: z + 120 = 100.
        #expect(try qs8ActivationRange(.relu6, q, "t") == QS8OutputClamp(zeroPoint: -20, low: -20, high: 100))
        let wide = try QuantizationParameters(scale: 0.01, zeroPoint: -128)
        #expect(try qs8ActivationRange(.relu6, wide, "t") == QS8OutputClamp(zeroPoint: -128, low: -128, high: 127))
        #expect(throws: SepCNNError.self) { try qs8ActivationRange(.sigmoid, q, "t") }
        // Ties go to even, and saturate.
        let clamp = QS8OutputClamp(zeroPoint: 0, low: -128, high: 127)
        #expect(qs8Requantize(5, 0.5, clamp) == 2)
        #expect(qs8Requantize(7, 0.5, clamp) == 4)
        #expect(qs8Requantize(-5, 0.5, clamp) == -2)
        #expect(qs8Requantize(1_000_000, 0.5, clamp) == 127)
        #expect(qs8Requantize(-1_000_000, 0.5, clamp) == -128)
    }

    @Test func badArgumentsThrow() throws {
        let q = try QuantizationParameters(scale: 0.1, zeroPoint: 0)
        func make(k: Int = 2, n: Int = 2, weights: [Int8]? = nil, scales: [Float] = [1, 1], bias: [Float]? = nil,
                  activation: Activation = .linear) throws {
            _ = try QS8GEMMOperator(rows: 3, k: k, n: n, weights: weights ?? [Int8](repeating: 1, count: k * n),
                                    weightScales: scales, bias: bias, input: q, output: q, activation: activation)
        }
        try make()
        #expect(throws: SepCNNError.self) { try make(k: 0) }
        #expect(throws: SepCNNError.self) { try make(weights: [1, 2, 3]) }
        #expect(throws: SepCNNError.self) { try make(weights: [1, -128, 3, 4]) }
        #expect(throws: SepCNNError.self) { try make(scales: [1]) }
        #expect(throws: SepCNNError.self) { try make(scales: [1, 0]) }
        #expect(throws: SepCNNError.self) { try make(bias: [1]) }
        #expect(throws: SepCNNError.self) { try make(activation: .hardSwish) }
    }
}

import Testing
@testable import SepCNN

/// int8 addition, quantize, dequantize and requantize: operators equal references exactly; references
/// match float arithmetic within one output step.
@Suite struct QS8ElementwiseTests {
    @Test(arguments: 0..<12) func addEqualsReference(seed: Int) throws {
        var r = QS8Random(seed: UInt64(seed))
        let count = [1, 15, 64, 1000, 70_001][seed % 5], threads = r.int(1...3)
        let a = r.activations(count), b = r.activations(count)
        let qa = r.parameters(), qb = r.parameters(), qo = r.parameters(scale: 0.02...0.2), activation = r.activation()
        let op = try QS8AddOperator(count: count, a: qa, b: qb, output: qo, activation: activation)
        var got = [Int8](repeating: 0, count: count), expected = got
        op.run(a, b, output: &got, pool: ThreadPool(threads: threads))
        let k = QS8AddConstants(a: qa, b: qb, output: qo, clamp: try qs8ActivationRange(activation, qo, "t"))
        qs8AddReference(count: count, a, b, constants: k, output: &expected)
        #expect(got == expected)
        for i in 0..<min(count, 200) {
            let x = activation(qa.dequantize(a[i]) + qb.dequantize(b[i]))
            let clamped = min(max(x, qo.dequantize(-128)), qo.dequantize(127))
            #expect(abs(qo.dequantize(expected[i]) - clamped) <= 0.5 * qo.scale * 1.001 + 1e-5, "element \(i)")
        }
    }

    @Test(arguments: 0..<6) func conversionsEqualReferences(seed: Int) throws {
        var r = QS8Random(seed: UInt64(100 + seed))
        let count = [3, 64, 777, 70_000, 5, 129][seed], threads = r.int(1...3), pool = ThreadPool(threads: threads)
        let q = r.parameters(), q2 = r.parameters(scale: 0.005...0.3)
        var floats = r.floats(count, -8...8)
        // Exact ties, out-of-range values, infinities and NaN.
        let special: [Float] = [0.5 * q.scale, 1.5 * q.scale, -2.5 * q.scale, 1e9, -1e9, .infinity, -.infinity, .nan]
        for (i, v) in special.enumerated() where i < count { floats[i] = v }
        var quantized = [Int8](repeating: 0, count: count), expected = quantized
        QuantizeOperator(count: count, q).run(input: floats, output: &quantized, pool: pool)
        qs8QuantizeReference(count: count, q, input: floats, output: &expected)
        #expect(quantized == expected)
        var back = [Float](repeating: 0, count: count), backExpected = back
        DequantizeOperator(count: count, q).run(input: quantized, output: &back, pool: pool)
        qs8DequantizeReference(count: count, q, input: quantized, output: &backExpected)
        #expect(back == backExpected)
        let requantized = runQS8(QS8RequantizeOperator(count: count, from: q, to: q2), quantized, outputCount: count, threads: threads)
        qs8RequantizeReference(count: count, from: q, to: q2, input: quantized, output: &expected)
        #expect(requantized == expected)
        for i in 0..<count {
            let x = min(max(q.dequantize(quantized[i]), q2.dequantize(-128)), q2.dequantize(127))
            #expect(abs(q2.dequantize(expected[i]) - x) <= 0.5 * q2.scale * 1.001 + 1e-5)
        }
    }

    @Test func badArgumentsThrow() throws {
        let q = try QuantizationParameters(scale: 0.1, zeroPoint: 0)
        #expect(throws: SepCNNError.self) { try QS8AddOperator(count: -1, a: q, b: q, output: q, activation: .linear) }
        #expect(throws: SepCNNError.self) { try QS8AddOperator(count: 4, a: q, b: q, output: q, activation: .sigmoid) }
    }
}

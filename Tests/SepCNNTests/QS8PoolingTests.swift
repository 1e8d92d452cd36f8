import Testing
@testable import SepCNN

/// int8 pooling in the quantized domain: the operators equal the references exactly; the references
/// are exact for max and round-to-even means for averages.
@Suite struct QS8PoolingTests {
    static func geometry(_ r: inout QS8Random) -> ConvGeometry {
        let k = r.int(1...4), s = r.int(1...3), c = [1, 3, 16, 17, 70][r.int(0...4)]
        let h = r.int(k...11), w = r.int(k...11), pt = r.int(0...k - 1), pl = r.int(0...k - 1)
        return ConvGeometry(batch: r.int(1...3), inputHeight: h, inputWidth: w, inputChannels: c,
                            outputHeight: (h + 2 * pt - k) / s + 1, outputWidth: (w + 2 * pl - k) / s + 1, outputChannels: c,
                            kernelHeight: k, kernelWidth: k, strideHeight: s, strideWidth: s,
                            dilationHeight: 1, dilationWidth: 1, padTop: pt, padLeft: pl, groups: c)
    }

    @Test(arguments: 0..<30) func operatorsEqualReferences(seed: Int) throws {
        var r = QS8Random(seed: UInt64(seed))
        let g = Self.geometry(&r), q = r.parameters(), x = r.activations(g.inputCount), threads = r.int(1...3)
        let max = runQS8(try QS8PoolingOperator(.max, g, quantization: q), x, outputCount: g.outputCount, threads: threads)
        var expected = [Int8](repeating: 0, count: g.outputCount)
        qs8MaxPool2DReference(g, input: x, output: &expected)
        #expect(max == expected, "max \(g)")
        for include in [false, true] {
            let op = try QS8PoolingOperator(.average(countIncludesPadding: include), g, quantization: q)
            let got = runQS8(op, x, outputCount: g.outputCount, threads: threads)
            qs8AvgPool2DReference(g, countIncludesPadding: include, zeroPoint: q.zeroPoint, input: x, output: &expected)
            #expect(got == expected, "average includes padding \(include) \(g)")
        }
        let shape = [g.batch, g.inputHeight, g.inputWidth, g.inputChannels]
        let global = runQS8(try QS8GlobalAveragePoolingOperator(inputShape: shape, quantization: q), x,
                            outputCount: g.batch * g.inputChannels, threads: threads)
        var globalExpected = [Int8](repeating: 0, count: g.batch * g.inputChannels)
        qs8GlobalAvgPoolReference(batch: g.batch, pixels: g.inputHeight * g.inputWidth, channels: g.inputChannels,
                                  zeroPoint: q.zeroPoint, input: x, output: &globalExpected)
        #expect(global == globalExpected, "global \(shape)")
    }

    @Test func roundingOfMeans() {
        // round_even(sum / divisor): 5/2 → 2, 7/2 → 4, −5/2 → −2, −7/2 → −4, 4/3 → 1, 5/3 → 2, −5/3 → −2.
        #expect(qs8RoundedDivide(5, 2) == 2)
        #expect(qs8RoundedDivide(7, 2) == 4)
        #expect(qs8RoundedDivide(-5, 2) == -2)
        #expect(qs8RoundedDivide(-7, 2) == -4)
        #expect(qs8RoundedDivide(4, 3) == 1)
        #expect(qs8RoundedDivide(5, 3) == 2)
        #expect(qs8RoundedDivide(-5, 3) == -2)
    }

    /// A 2×2 average by hand: values q = z + {1, 2, 3, 6}: mean 3 exactly; with padding counted the
    /// 3×3 window at the corner of a 2×2 image (padding 1) averages 12 / 9 → 1.
    @Test func averageByHand() throws {
        let z: Int8 = -10
        let x: [Int8] = [z + 1, z + 2, z + 3, z + 6]
        let g = ConvGeometry(batch: 1, inputHeight: 2, inputWidth: 2, inputChannels: 1, outputHeight: 1, outputWidth: 1,
                             outputChannels: 1, kernelHeight: 2, kernelWidth: 2, strideHeight: 1, strideWidth: 1,
                             dilationHeight: 1, dilationWidth: 1, padTop: 0, padLeft: 0, groups: 1)
        var out: [Int8] = [0]
        qs8AvgPool2DReference(g, countIncludesPadding: false, zeroPoint: z, input: x, output: &out)
        #expect(out == [z + 3])
        var padded = g
        padded.kernelHeight = 3; padded.kernelWidth = 3; padded.padTop = 1; padded.padLeft = 1
        qs8AvgPool2DReference(padded, countIncludesPadding: true, zeroPoint: z, input: x, output: &out)
        #expect(out == [z + 1])
        qs8AvgPool2DReference(padded, countIncludesPadding: false, zeroPoint: z, input: x, output: &out)
        #expect(out == [z + 3])
        qs8MaxPool2DReference(padded, input: x, output: &out)
        #expect(out == [z + 6])
    }

    @Test func badArgumentsThrow() throws {
        let q = try QuantizationParameters(scale: 0.1, zeroPoint: 0)
        var g = ConvGeometry(batch: 1, inputHeight: 4, inputWidth: 4, inputChannels: 2, outputHeight: 2, outputWidth: 2,
                             outputChannels: 3, kernelHeight: 2, kernelWidth: 2, strideHeight: 2, strideWidth: 2,
                             dilationHeight: 1, dilationWidth: 1, padTop: 0, padLeft: 0, groups: 2)
        #expect(throws: SepCNNError.self) { try QS8PoolingOperator(.max, g, quantization: q) }
        g.outputChannels = 2
        _ = try QS8PoolingOperator(.max, g, quantization: q)
        #expect(throws: SepCNNError.self) { try QS8GlobalAveragePoolingOperator(inputShape: [1, 4, 4], quantization: q) }
    }
}

import Testing
@testable import SepCNN

/// int8 depthwise: the operator's kernels (vpdpbusd 3×3 / 5×5 in VNNI builds, the general kernel
/// everywhere) equal qs8DepthwiseReference exactly; the reference matches float on dequantized values.
@Suite struct QS8DepthwiseTests {
    /// A random depthwise geometry; `fast` keeps it in the 3×3 / 5×5, multiplier 1, dilation 1 family.
    static func geometry(_ r: inout QS8Random, fast: Bool) -> ConvGeometry {
        let k = fast ? [3, 5][r.int(0...1)] : r.int(1...5)
        let kw = fast ? k : r.int(1...4)
        let sh = r.int(1...2), sw = r.int(1...2)
        let dh = fast ? 1 : r.int(1...2), dw = fast ? 1 : r.int(1...2)
        let channels = [1, 3, 7, 16, 17, 32, 48, 64, 65, 96, 144][r.int(0...10)]
        let multiplier = fast || r.int(0...2) > 0 ? 1 : r.int(2...3)
        let h = r.int(max(k, 1)...14), w = r.int(kw...15)
        let pt = r.int(0...k - 1), pb = r.int(0...k - 1), pl = r.int(0...kw - 1), pr = r.int(0...kw - 1)
        let oh = (h + pt + pb - dh * (k - 1) - 1) / sh + 1, ow = (w + pl + pr - dw * (kw - 1) - 1) / sw + 1
        return ConvGeometry(batch: r.int(1...3), inputHeight: h, inputWidth: w, inputChannels: channels,
                            outputHeight: max(oh, 1), outputWidth: max(ow, 1), outputChannels: channels * multiplier,
                            kernelHeight: k, kernelWidth: kw, strideHeight: sh, strideWidth: sw,
                            dilationHeight: dh, dilationWidth: dw, padTop: pt, padLeft: pl, groups: channels)
    }

    static func check(seed: Int, fast: Bool) throws {
        var r = QS8Random(seed: UInt64(seed))
        let g = geometry(&r, fast: fast)
        let x = r.activations(g.inputCount), w = r.weights(g.kernelHeight * g.kernelWidth * g.outputChannels)
        let scales = r.floats(g.outputChannels, 0.002...0.05)
        let bias: [Float]? = r.bool() ? r.floats(g.outputChannels, -1...1) : nil
        let input = r.parameters(), output = r.parameters(scale: 0.02...0.1), activation = r.activation()
        let op = try QS8ConvolutionOperator(g, weights: w, weightScales: scales, bias: bias, input: input, output: output,
                                            activation: activation)
        let threads = r.int(1...3)
        let got = runQS8(op, x, outputCount: g.outputCount, threads: threads)
        let c = QS8LayerConstants(bias: bias, weightScales: scales, input: input, output: output, activation: activation)
        var expected = [Int8](repeating: 0, count: g.outputCount)
        qs8DepthwiseReference(g, input: x, inputZeroPoint: input.zeroPoint, weights: w, bias: c.bias, multipliers: c.multipliers,
                              clamp: c.clamp, output: &expected)
        #expect(got == expected, "\(g) \(activation) threads \(threads)")
    }

    @Test(arguments: 0..<60) func tiledFamilyEqualsReference(seed: Int) throws { try Self.check(seed: seed, fast: true) }
    @Test(arguments: 100..<160) func anyGeometryEqualsReference(seed: Int) throws { try Self.check(seed: seed, fast: false) }

    @Test func wideLayersEqualReference() throws {
        // Row lengths of many 64-position chunks and channel counts whose weights repeat over several chunks.
        for (seed, (c, s)) in [(144, 1), (144, 2), (96, 2), (32, 1), (960, 1), (24, 2)].enumerated() {
            var r = QS8Random(seed: UInt64(500 + seed))
            let h = 20, ow = (h + 2 - 3) / s + 1
            let g = ConvGeometry(batch: 1, inputHeight: h, inputWidth: h, inputChannels: c, outputHeight: ow, outputWidth: ow,
                                 outputChannels: c, kernelHeight: 3, kernelWidth: 3, strideHeight: s, strideWidth: s,
                                 dilationHeight: 1, dilationWidth: 1, padTop: 1, padLeft: 1, groups: c)
            let x = r.activations(g.inputCount), w = r.weights(9 * c), scales = r.floats(c, 0.002...0.05), bias = r.floats(c, -1...1)
            let input = r.parameters(), output = r.parameters(scale: 0.02...0.1)
            let op = try QS8ConvolutionOperator(g, weights: w, weightScales: scales, bias: bias, input: input, output: output,
                                                activation: .relu6)
            let got = runQS8(op, x, outputCount: g.outputCount, threads: 2)
            let k = QS8LayerConstants(bias: bias, weightScales: scales, input: input, output: output, activation: .relu6)
            var expected = [Int8](repeating: 0, count: g.outputCount)
            qs8DepthwiseReference(g, input: x, inputZeroPoint: input.zeroPoint, weights: w, bias: k.bias,
                                  multipliers: k.multipliers, clamp: k.clamp, output: &expected)
            #expect(got == expected, "C \(c) stride \(s)")
        }
    }

    /// Dequantized output ≈ the float depthwise of dequantized input and weights, within one output step.
    @Test func referenceMatchesFloat() throws {
        var r = QS8Random(seed: 7)
        let g = ConvGeometry(batch: 1, inputHeight: 5, inputWidth: 6, inputChannels: 3, outputHeight: 3, outputWidth: 3,
                             outputChannels: 6, kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 2,
                             dilationHeight: 1, dilationWidth: 1, padTop: 1, padLeft: 1, groups: 3)
        let x = r.activations(g.inputCount), w = r.weights(9 * 6), scales = r.floats(6, 0.005...0.02), bias = r.floats(6, -1...1)
        let input = try QuantizationParameters(scale: 0.04, zeroPoint: -7), output = try QuantizationParameters(scale: 0.08, zeroPoint: 3)
        let k = QS8LayerConstants(bias: bias, weightScales: scales, input: input, output: output, activation: .linear)
        var out = [Int8](repeating: 0, count: g.outputCount)
        qs8DepthwiseReference(g, input: x, inputZeroPoint: input.zeroPoint, weights: w, bias: k.bias, multipliers: k.multipliers,
                              clamp: k.clamp, output: &out)
        let xf = x.map(input.dequantize), wf = (0..<w.count).map { Float(w[$0]) * scales[$0 % 6] }
        var yf = [Float](repeating: 0, count: g.outputCount)
        depthwiseConv2DReference(g, input: xf, weights: wf, bias: bias, activation: .linear, output: &yf)
        for i in 0..<out.count {
            let expected = min(max(yf[i], output.dequantize(-128)), output.dequantize(127))
            #expect(abs(output.dequantize(out[i]) - expected) <= 0.5 * output.scale + 1e-4, "element \(i)")
        }
    }

    @Test func badArgumentsThrow() throws {
        let q = try QuantizationParameters(scale: 0.1, zeroPoint: 0)
        let g = ConvGeometry(batch: 1, inputHeight: 4, inputWidth: 4, inputChannels: 2, outputHeight: 4, outputWidth: 4,
                             outputChannels: 2, kernelHeight: 3, kernelWidth: 3, strideHeight: 1, strideWidth: 1,
                             dilationHeight: 1, dilationWidth: 1, padTop: 1, padLeft: 1, groups: 2)
        let w = [Int8](repeating: 1, count: 18)
        _ = try QS8ConvolutionOperator(g, weights: w, weightScales: [1, 1], bias: nil, input: q, output: q, activation: .relu)
        #expect(throws: SepCNNError.self) {
            try QS8ConvolutionOperator(g, weights: Array(w.dropLast()), weightScales: [1, 1], bias: nil, input: q, output: q, activation: .relu)
        }
        #expect(throws: SepCNNError.self) {
            try QS8ConvolutionOperator(g, weights: w, weightScales: [1], bias: nil, input: q, output: q, activation: .relu)
        }
        #expect(throws: SepCNNError.self) {
            try QS8ConvolutionOperator(g, weights: w, weightScales: [1, 1], bias: [0], input: q, output: q, activation: .relu)
        }
        #expect(throws: SepCNNError.self) {
            try QS8ConvolutionOperator(g, weights: w, weightScales: [1, 1], bias: nil, input: q, output: q, activation: .silu)
        }
    }
}

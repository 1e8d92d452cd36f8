import Testing
@testable import SepCNN

/// int8 standard and grouped convolution: every path of QS8ConvolutionOperator (pixelwise GEMM,
/// im2col + GEMM, the 3-channel stem) equals qs8Conv2DReference exactly.
@Suite struct QS8ConvTests {
    static func geometry(_ r: inout QS8Random) -> ConvGeometry {
        let groups = r.int(0...2) == 0 ? [2, 3][r.int(0...1)] : 1
        let cin = groups * r.int(1...9), cout = groups * r.int(1...20)
        let kh = r.int(1...4), kw = r.int(1...4), sh = r.int(1...2), sw = r.int(1...2)
        let dh = r.int(0...3) == 0 ? 2 : 1, dw = r.int(0...3) == 0 ? 2 : 1
        let h = r.int(dh * (kh - 1) + 1...12), w = r.int(dw * (kw - 1) + 1...12)
        let pt = r.int(0...kh - 1), pb = r.int(0...kh - 1), pl = r.int(0...kw - 1), pr = r.int(0...kw - 1)
        return ConvGeometry(batch: r.int(1...3), inputHeight: h, inputWidth: w, inputChannels: cin,
                            outputHeight: (h + pt + pb - dh * (kh - 1) - 1) / sh + 1,
                            outputWidth: (w + pl + pr - dw * (kw - 1) - 1) / sw + 1, outputChannels: cout,
                            kernelHeight: kh, kernelWidth: kw, strideHeight: sh, strideWidth: sw,
                            dilationHeight: dh, dilationWidth: dw, padTop: pt, padLeft: pl, groups: groups)
    }

    static func check(_ g: ConvGeometry, _ r: inout QS8Random, threads: Int) throws {
        let depth = g.kernelHeight * g.kernelWidth * g.inputChannelsPerGroup
        let x = r.activations(g.inputCount), w = r.weights(depth * g.outputChannels)
        let scales = r.floats(g.outputChannels, 0.001...0.02)
        let bias: [Float]? = r.bool() ? r.floats(g.outputChannels, -1...1) : nil
        let input = r.parameters(), output = r.parameters(scale: 0.05...0.3), activation = r.activation()
        let op = try QS8ConvolutionOperator(g, weights: w, weightScales: scales, bias: bias, input: input, output: output,
                                            activation: activation)
        let got = runQS8(op, x, outputCount: g.outputCount, threads: threads)
        let c = QS8LayerConstants(bias: bias, weightScales: scales, input: input, output: output, activation: activation)
        var expected = [Int8](repeating: 0, count: g.outputCount)
        qs8Conv2DReference(g, input: x, inputZeroPoint: input.zeroPoint, weights: w, bias: c.bias, multipliers: c.multipliers,
                           clamp: c.clamp, output: &expected)
        #expect(got == expected, "\(g) \(activation) threads \(threads)")
    }

    @Test(arguments: 0..<50) func operatorEqualsReference(seed: Int) throws {
        var r = QS8Random(seed: UInt64(seed))
        let g = Self.geometry(&r)
        try Self.check(g, &r, threads: r.int(1...3))
    }

    @Test func stemAndPixelwiseEqualReference() throws {
        var r = QS8Random(seed: 1234)
        // MobileNet's stem: 3 channels, 3×3, stride 2, padding 1 (a 17×17 image keeps it quick).
        let stem = ConvGeometry(batch: 2, inputHeight: 17, inputWidth: 17, inputChannels: 3, outputHeight: 9, outputWidth: 9,
                                outputChannels: 32, kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 2,
                                dilationHeight: 1, dilationWidth: 1, padTop: 1, padLeft: 1, groups: 1)
        let pixelwise = ConvGeometry(batch: 2, inputHeight: 5, inputWidth: 7, inputChannels: 19, outputHeight: 5, outputWidth: 7,
                                     outputChannels: 33, kernelHeight: 1, kernelWidth: 1, strideHeight: 1, strideWidth: 1,
                                     dilationHeight: 1, dilationWidth: 1, padTop: 0, padLeft: 0, groups: 1)
        for threads in 1...3 {
            try Self.check(stem, &r, threads: threads)
            try Self.check(pixelwise, &r, threads: threads)
        }
    }

    /// Stems wide enough for the permute blocks of eight pixels (VNNI builds): every padding, odd
    /// and even widths, vertical strides 1 and 2, segments split across images and threads.
    @Test(arguments: 0..<12) func wideStemsEqualReference(seed: Int) throws {
        var r = QS8Random(seed: UInt64(500 + seed))
        let h = r.int(3...9), w = [3, 4, 19, 34, 35, 57, 64, 71][r.int(0...7)]
        let pt = r.int(0...2), pb = r.int(0...2), pl = r.int(0...2), pr = r.int(0...2), sh = r.int(1...2)
        let g = ConvGeometry(batch: r.int(1...2), inputHeight: h, inputWidth: w, inputChannels: 3,
                             outputHeight: (h + pt + pb - 3) / sh + 1, outputWidth: (w + pl + pr - 3) / 2 + 1,
                             outputChannels: [8, 32][r.int(0...1)], kernelHeight: 3, kernelWidth: 3, strideHeight: sh,
                             strideWidth: 2, dilationHeight: 1, dilationWidth: 1, padTop: pt, padLeft: pl, groups: 1)
        try Self.check(g, &r, threads: r.int(1...3))
    }

    /// Dequantized output ≈ float convolution of dequantized values, within one output step.
    @Test func referenceMatchesFloat() throws {
        var r = QS8Random(seed: 3)
        let g = ConvGeometry(batch: 1, inputHeight: 5, inputWidth: 5, inputChannels: 4, outputHeight: 3, outputWidth: 3,
                             outputChannels: 6, kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 2,
                             dilationHeight: 1, dilationWidth: 1, padTop: 1, padLeft: 1, groups: 2)
        let x = r.activations(g.inputCount), w = r.weights(9 * 2 * 6), scales = r.floats(6, 0.002...0.01), bias = r.floats(6, -1...1)
        let input = try QuantizationParameters(scale: 0.03, zeroPoint: 12), output = try QuantizationParameters(scale: 0.1, zeroPoint: -9)
        let k = QS8LayerConstants(bias: bias, weightScales: scales, input: input, output: output, activation: .relu)
        var out = [Int8](repeating: 0, count: g.outputCount)
        qs8Conv2DReference(g, input: x, inputZeroPoint: input.zeroPoint, weights: w, bias: k.bias, multipliers: k.multipliers,
                           clamp: k.clamp, output: &out)
        let xf = x.map(input.dequantize), wf = (0..<w.count).map { Float(w[$0]) * scales[$0 % 6] }
        var yf = [Float](repeating: 0, count: g.outputCount)
        conv2DReference(g, input: xf, weights: wf, bias: bias, activation: .relu, output: &yf)
        for i in 0..<out.count {
            let expected = min(yf[i], output.dequantize(127))
            #expect(abs(output.dequantize(out[i]) - expected) <= 0.5 * output.scale + 1e-4, "element \(i)")
        }
    }

    @Test func badArgumentsThrow() throws {
        let q = try QuantizationParameters(scale: 0.1, zeroPoint: 0)
        let g = ConvGeometry(batch: 1, inputHeight: 4, inputWidth: 4, inputChannels: 4, outputHeight: 2, outputWidth: 2,
                             outputChannels: 6, kernelHeight: 3, kernelWidth: 3, strideHeight: 1, strideWidth: 1,
                             dilationHeight: 1, dilationWidth: 1, padTop: 0, padLeft: 0, groups: 1)
        let w = [Int8](repeating: 1, count: 9 * 4 * 6), s = [Float](repeating: 0.1, count: 6)
        _ = try QS8ConvolutionOperator(g, weights: w, weightScales: s, bias: nil, input: q, output: q, activation: .relu6)
        var grouped = g
        grouped.groups = 4
        #expect(throws: SepCNNError.self) {
            try QS8ConvolutionOperator(grouped, weights: w, weightScales: s, bias: nil, input: q, output: q, activation: .relu6)
        }
        #expect(throws: SepCNNError.self) {
            try QS8ConvolutionOperator(g, weights: w, weightScales: s, bias: nil, input: q, output: q, activation: .hardSwish)
        }
        #expect(throws: SepCNNError.self) {
            try QS8ConvolutionOperator(g, weights: w, weightScales: Array(s.dropLast()), bias: nil, input: q, output: q, activation: .linear)
        }
    }
}

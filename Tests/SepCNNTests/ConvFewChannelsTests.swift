import Testing
@testable import SepCNN

/// The direct kernel for convolutions with few input channels (stems) against the reference
/// convolution on random geometries: 1–4 input channels, output channels on and off the 16/32-lane
/// tiles, kernels 1–5 (not square), strides 1–3, dilation, asymmetric padding, rows narrower and
/// wider than the 8-pixel tile, batch 2, every kind of activation, with and without bias, on 1–3
/// threads. Tolerance |x − ref| ≤ 1e-4 · (1 + |ref|).
@Suite struct ConvFewChannelsTests {
    @Test func matchesReferenceOnRandomGeometries() throws {
        var r = RandomGenerator(seed: 31)
        func pick(_ range: ClosedRange<Int>) -> Int { Int(r.next() % UInt64(range.count)) + range.lowerBound }
        let activations: [Activation] = [.linear, .relu, .relu6, .hardSwish, .sigmoid]
        let pools = [ThreadPool(threads: 1), ThreadPool(threads: 2), ThreadPool(threads: 3)]
        for trial in 0..<120 {
            let kh = pick(1...5), kw = pick(1...5), sh = pick(1...3), sw = pick(1...3)
            let dh = pick(1...2), dw = pick(1...2)
            let padTop = pick(0...2), padBottom = pick(0...2), padLeft = pick(0...2), padRight = pick(0...2)
            let ih = max(1, dh * (kh - 1) + 1 - padTop - padBottom) + pick(0...12)
            let iw = max(1, dw * (kw - 1) + 1 - padLeft - padRight) + pick(0...30)
            let g = ConvGeometry(
                batch: pick(1...2), inputHeight: ih, inputWidth: iw, inputChannels: pick(1...4),
                outputHeight: (ih + padTop + padBottom - dh * (kh - 1) - 1) / sh + 1,
                outputWidth: (iw + padLeft + padRight - dw * (kw - 1) - 1) / sw + 1,
                outputChannels: [8, 13, 16, 24, 32, 40, 64, 70][pick(0...7)],
                kernelHeight: kh, kernelWidth: kw, strideHeight: sh, strideWidth: sw,
                dilationHeight: dh, dilationWidth: dw, padTop: padTop, padLeft: padLeft, groups: 1)
            #expect(usesFewChannelsConvolution(g))
            if ConvolutionOperator.isPixelwise(g) { continue }  // a plain GEMM, not this kernel
            try expectOperatorMatchesReference(
                g, activation: activations[trial % activations.count], withBias: trial % 3 != 0, pool: pools[trial % pools.count],
                random: &r, takes: "few-channels", where: { if case .fewChannels = $0 { true } else { false } })
        }
    }
}

import Testing
@testable import SepCNN

/// Winograd F(2×2, 3×3) against the reference convolution on random geometries: 16–80 input and
/// output channels (on and off the 16-lane vectors), odd and even output sizes (tiles past the
/// edge), every padding from 0 to 2 on each side, batch 1–3, the fusable activations, with and
/// without bias, on 1–3 threads, and chunks of tiles that split images. The transforms only add,
/// subtract and halve, so the tolerance is the GEMM kernels': |x − ref| ≤ 1e-4 · (1 + |ref|).
@Suite struct Winograd3x3Tests {
    @Test func matchesReferenceOnRandomGeometries() throws {
        var r = RandomGenerator(seed: 47)
        func pick(_ range: ClosedRange<Int>) -> Int { Int(r.next() % UInt64(range.count)) + range.lowerBound }
        let activations: [Activation] = [.linear, .relu, .relu6, .hardSwish]
        let pools = [ThreadPool(threads: 1), ThreadPool(threads: 2), ThreadPool(threads: 3)]
        for trial in 0..<60 {
            let padTop = pick(0...2), padBottom = pick(0...2), padLeft = pick(0...2), padRight = pick(0...2)
            let ih = max(1, 3 - padTop - padBottom) + pick(0...13), iw = max(1, 3 - padLeft - padRight) + pick(0...13)
            let g = ConvGeometry(
                batch: pick(1...3), inputHeight: ih, inputWidth: iw, inputChannels: [16, 17, 24, 32, 45, 64, 80][pick(0...6)],
                outputHeight: ih + padTop + padBottom - 2, outputWidth: iw + padLeft + padRight - 2,
                outputChannels: [16, 19, 32, 40, 64, 72][pick(0...5)],
                kernelHeight: 3, kernelWidth: 3, strideHeight: 1, strideWidth: 1,
                dilationHeight: 1, dilationWidth: 1, padTop: padTop, padLeft: padLeft, groups: 1)
            try expectOperatorMatchesReference(
                g, activation: activations[trial % activations.count], withBias: trial % 3 != 0, pool: pools[trial % pools.count],
                random: &r, takes: "Winograd", where: { if case .winograd3x3 = $0 { true } else { false } })
        }
    }

    /// Where the transforms do not apply or do not pay, the operator keeps im2col: strides, dilation,
    /// groups, other kernel sizes, few channels, and activations the output transform cannot fuse.
    @Test func otherConvolutionsKeepTheirKernels() throws {
        func kernel(_ k: Int, stride: Int = 1, dilation: Int = 1, groups: Int = 1, inputs: Int = 32, outputs: Int = 32,
                    activation: Activation = .relu) throws -> ConvolutionOperator.Kernel {
            let g = ConvGeometry(batch: 1, inputHeight: 12, inputWidth: 12, inputChannels: inputs,
                                 outputHeight: (12 + 2 - dilation * (k - 1) - 1) / stride + 1,
                                 outputWidth: (12 + 2 - dilation * (k - 1) - 1) / stride + 1, outputChannels: outputs,
                                 kernelHeight: k, kernelWidth: k, strideHeight: stride, strideWidth: stride,
                                 dilationHeight: dilation, dilationWidth: dilation, padTop: 1, padLeft: 1, groups: groups)
            return try ConvolutionOperator(g, weights: [Float](repeating: 0.1, count: k * k * inputs / groups * outputs), bias: nil,
                                           activation: activation).kernel
        }
        func isWinograd(_ k: ConvolutionOperator.Kernel) -> Bool { if case .winograd3x3 = k { true } else { false } }
        #expect(isWinograd(try kernel(3)))
        #expect(!isWinograd(try kernel(3, stride: 2)))
        #expect(!isWinograd(try kernel(3, dilation: 2)))
        #expect(!isWinograd(try kernel(3, groups: 2)))
        #expect(!isWinograd(try kernel(5)))
        #expect(!isWinograd(try kernel(3, inputs: 8)))
        #expect(!isWinograd(try kernel(3, outputs: 8)))
        #expect(!isWinograd(try kernel(3, activation: .sigmoid)))
    }
}

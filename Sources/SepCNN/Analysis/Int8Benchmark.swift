// The `-int8` records of `sepcnn bench --int8`: the float layer shapes through the QS8 operators,
// with random int8 data, weights and quantization parameters (speed does not depend on them).

/// One prepared int8 workload: its operator, 64-byte-aligned buffers and scratch, and the call to time.
final class PreparedBenchmark: @unchecked Sendable {
    private let buffers: [UnsafeMutableRawPointer]
    private let body: () -> Void

    init(buffers: [UnsafeMutableRawPointer], _ body: @escaping () -> Void) {
        self.buffers = buffers
        self.body = body
    }

    func run() { body() }

    deinit { for b in buffers { b.deallocate() } }

    /// Times `op` on `inputCount` random bytes into `outputCount`, with its scratch for `pool`.
    static func unary<O: QS8UnaryOperator>(_ op: O, inputCount: Int, outputCount: Int, pool: ThreadPool) -> PreparedBenchmark {
        var generator = RandomGenerator(seed: 3)
        let x = UnsafeMutableRawPointer.allocate(byteCount: max(inputCount, 1), alignment: 64)
        let y = UnsafeMutableRawPointer.allocate(byteCount: max(outputCount, 1), alignment: 64)
        let scratchBytes = max(op.scratchByteCount(threads: pool.threads), 1)
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: scratchBytes, alignment: 64)
        let input = x.bindMemory(to: Int8.self, capacity: max(inputCount, 1))
        for i in 0..<inputCount { input[i] = Int8.random(in: -128...127, using: &generator) }
        let output = y.bindMemory(to: Int8.self, capacity: max(outputCount, 1))
        output.initialize(repeating: 0, count: max(outputCount, 1))
        scratch.initializeMemory(as: UInt8.self, repeating: 0, count: scratchBytes)
        return PreparedBenchmark(buffers: [x, y, scratch]) {
            op.run(input: UnsafePointer(input), output: output, scratch: scratch, pool: pool)
        }
    }
}

extension BenchmarkCase {
    /// The int8 twins of the float records, named with an `-int8` suffix: the layer shapes through the
    /// int8 operators, and the networks quantized and run through their int8 inference plans.
    static func int8Suite(networks: ModelOptions = ModelOptions(), batch: Int = 1) throws -> [BenchmarkCase] {
        layerDepthwiseShapes.map { depthwise3x3Int8(height: $0.0, width: $0.1, channels: $0.2, stride: $0.3) }
            + layerPointwiseShapes.map { pointwiseInt8(height: $0.0, width: $0.1, inputChannels: $0.2, outputChannels: $0.3) }
            + [standard3x3Int8(height: 56, width: 56, inputChannels: 128, outputChannels: 128), stemInt8(height: 224, width: 224),
               try int8Model("mobilenet-v1", options: networks, batch: batch), try int8Model("mobilenet-v2", options: networks, batch: batch)]
    }

    /// int8 stem, as `stem`.
    static func stemInt8(height: Int, width: Int) -> BenchmarkCase {
        let g = ConvGeometry(batch: 1, inputHeight: height, inputWidth: width, inputChannels: 3, outputHeight: (height - 1) / 2 + 1,
                             outputWidth: (width - 1) / 2 + 1, outputChannels: 32, kernelHeight: 3, kernelWidth: 3,
                             strideHeight: 2, strideWidth: 2, dilationHeight: 1, dilationWidth: 1, padTop: 1, padLeft: 1, groups: 1)
        return convolutionInt8("stem3x3s2-\(height)x\(width)x3-32-int8", g)
    }

    /// int8 depthwise 3×3, padding 1, bias, as `depthwise3x3`.
    static func depthwise3x3Int8(height: Int, width: Int, channels: Int, stride: Int) -> BenchmarkCase {
        let out = (height + 2 - 3) / stride + 1, outW = (width + 2 - 3) / stride + 1
        let g = ConvGeometry(batch: 1, inputHeight: height, inputWidth: width, inputChannels: channels, outputHeight: out,
                             outputWidth: outW, outputChannels: channels, kernelHeight: 3, kernelWidth: 3,
                             strideHeight: stride, strideWidth: stride, dilationHeight: 1, dilationWidth: 1,
                             padTop: 1, padLeft: 1, groups: channels)
        return convolutionInt8("dw3x3-\(height)x\(width)x\(channels)-s\(stride)-int8", g)
    }

    /// int8 pointwise 1×1 with bias, as `pointwise`.
    static func pointwiseInt8(height: Int, width: Int, inputChannels: Int, outputChannels: Int) -> BenchmarkCase {
        let g = ConvGeometry(batch: 1, inputHeight: height, inputWidth: width, inputChannels: inputChannels, outputHeight: height,
                             outputWidth: width, outputChannels: outputChannels, kernelHeight: 1, kernelWidth: 1,
                             strideHeight: 1, strideWidth: 1, dilationHeight: 1, dilationWidth: 1, padTop: 0, padLeft: 0, groups: 1)
        return convolutionInt8("pw-\(height)x\(width)x\(inputChannels)-\(outputChannels)-int8", g)
    }

    /// int8 standard 3×3, padding 1, bias, as `standard3x3`.
    static func standard3x3Int8(height: Int, width: Int, inputChannels: Int, outputChannels: Int) -> BenchmarkCase {
        let g = ConvGeometry(batch: 1, inputHeight: height, inputWidth: width, inputChannels: inputChannels, outputHeight: height,
                             outputWidth: width, outputChannels: outputChannels, kernelHeight: 3, kernelWidth: 3,
                             strideHeight: 1, strideWidth: 1, dilationHeight: 1, dilationWidth: 1, padTop: 1, padLeft: 1, groups: 1)
        return convolutionInt8("conv3x3-\(height)x\(width)x\(inputChannels)-\(outputChannels)-int8", g)
    }

    private static func convolutionInt8(_ name: String, _ g: ConvGeometry) -> BenchmarkCase {
        let macs = g.outputCount * g.kernelHeight * g.kernelWidth * g.inputChannelsPerGroup
        return BenchmarkCase(name: name, flops: 2 * Double(macs)) { pool in
            var generator = RandomGenerator(seed: 2)
            let count = g.kernelHeight * g.kernelWidth * g.inputChannelsPerGroup * g.outputChannels
            let weights = (0..<count).map { _ in Int8.random(in: -127...127, using: &generator) }
            let scales = (0..<g.outputChannels).map { _ in Float.random(in: 0.002...0.02, using: &generator) }
            let bias = (0..<g.outputChannels).map { _ in Float.random(in: -1...1, using: &generator) }
            let op = try QS8ConvolutionOperator(g, weights: weights, weightScales: scales, bias: bias,
                                                input: try QuantizationParameters(scale: 0.05, zeroPoint: -3),
                                                output: try QuantizationParameters(scale: 0.1, zeroPoint: 5), activation: .linear)
            return PreparedBenchmark.unary(op, inputCount: g.inputCount, outputCount: g.outputCount, pool: pool)
        }
    }
}

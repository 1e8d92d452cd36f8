/// int8 standard, grouped or depthwise convolution (contract: `qs8Conv2DReference`,
/// `qs8DepthwiseReference`), TFLite's full-integer scheme as `QS8GEMMOperator`. Picks, as
/// `ConvolutionOperator` does:
/// - depthwise-shaped groups (one input channel each): `QS8DepthwiseOperator`;
/// - 1×1, stride 1, no padding, one group: `QS8GEMMOperator` over the pixels;
/// - anything else, the 3-channel stem included: int8 im2col (padding = the input zero point) +
///   the int8 GEMM, a chunk of pixels at a time. (For the stem im2col measured faster than a
///   direct kernel would need to be to matter: its k = 28 rows feed the same vpdpbusd tiles.)
struct QS8ConvolutionOperator: QS8UnaryOperator {
    enum Kernel {
        case depthwise(QS8DepthwiseOperator)
        case gemm(QS8GEMMOperator)
        /// Group g's `[rowStride, Cout/groups]` weight columns (zero rows past the depth).
        case im2col([QS8PackedGEMMWeights])
    }
    let geometry: ConvGeometry
    let kernel: Kernel
    let inputZeroPoint: Int8

    /// `weights` `[kh, kw, Cin/groups, Cout]` (depthwise: `[kh, kw, C, multiplier]`), `weightScales`
    /// `[Cout]`, `bias` nil or `[Cout]` real values. Throws for groups that do not divide the channels,
    /// wrong counts, a weight of −128, a bad scale, or an activation other than linear, relu, relu6.
    init(_ g: ConvGeometry, weights: [Int8], weightScales: [Float], bias: [Float]?,
         input: QuantizationParameters, output: QuantizationParameters, activation: Activation) throws {
        guard g.groups > 0, g.inputChannels % g.groups == 0, g.outputChannels % g.groups == 0,
              g.inputChannels > 0, g.outputChannels > 0 else {
            throw SepCNNError.shapeMismatch("int8 convolution: \(g.groups) groups must divide \(g.inputChannels) input and \(g.outputChannels) output channels")
        }
        guard g.kernelHeight > 0, g.kernelWidth > 0, g.strideHeight > 0, g.strideWidth > 0, g.dilationHeight > 0,
              g.dilationWidth > 0, g.batch >= 0, g.outputHeight >= 0, g.outputWidth >= 0 else {
            throw SepCNNError.shapeMismatch("int8 convolution: kernel, stride and dilation must be positive in \(g)")
        }
        let depth = g.kernelHeight * g.kernelWidth * g.inputChannelsPerGroup
        try qs8ValidateWeights(weights, count: depth * g.outputChannels, scales: weightScales, channels: g.outputChannels,
                               "int8 convolution")
        if let bias { try requireCount(bias, g.outputChannels, "the bias", "int8 convolution") }
        guard depth <= 65_536 else {
            throw SepCNNError.shapeMismatch("int8 convolution: a receptive field of \(depth) values could overflow int32 sums")
        }
        let clamp = try qs8ActivationRange(activation, output, "int8 convolution")
        geometry = g
        inputZeroPoint = input.zeroPoint
        if g.isDepthwise {
            kernel = .depthwise(try QS8DepthwiseOperator(g, weights: weights, weightScales: weightScales, bias: bias,
                                                         input: input, output: output, activation: activation))
        } else if ConvolutionOperator.isPixelwise(g) {
            kernel = .gemm(try QS8GEMMOperator(rows: g.batch * g.inputHeight * g.inputWidth, k: g.inputChannels, n: g.outputChannels,
                                               weights: weights, weightScales: weightScales, bias: bias,
                                               input: input, output: output, activation: activation))
        } else {
            let stride = qs8Im2colRowStride(g), outPerGroup = g.outputChannelsPerGroup
            var padded = [Int8](repeating: 0, count: stride * g.outputChannels)
            for p in 0..<depth {
                for o in 0..<g.outputChannels { padded[p * g.outputChannels + o] = weights[p * g.outputChannels + o] }
            }
            kernel = .im2col(padded.withUnsafeBufferPointer { w in
                (0..<g.groups).map { group in
                    let columns = group * outPerGroup..<(group + 1) * outPerGroup
                    return QS8GEMMOperator.pack(k: stride, n: outPerGroup, weights: w.baseAddress! + group * outPerGroup,
                                                ldb: g.outputChannels, weightScales: Array(weightScales[columns]),
                                                bias: bias.map { Array($0[columns]) }, input: input, output: output, clamp: clamp)
                }
            })
        }
    }

    /// Output pixels im2col unfolds at a time per thread: about 64 KB of rows, at least 64 pixels.
    private var chunkPixels: Int { max(64, 65_536 / qs8Im2colRowStride(geometry)) }

    func scratchByteCount(threads: Int) -> Int {
        switch kernel {
        case .depthwise(let op): return op.scratchByteCount(threads: threads)
        case .gemm(let op): return op.scratchByteCount(threads: threads)
        case .im2col: return max(threads, 1) &* ((chunkPixels &* qs8Im2colRowStride(geometry) &+ 63) & ~63)
        }
    }

    func run(input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>,
             scratch: UnsafeMutableRawPointer, pool: ThreadPool) {
        switch kernel {
        case .depthwise(let op): op.run(input: input, output: output, scratch: scratch, pool: pool)
        case .gemm(let op): op.run(input: input, output: output, scratch: scratch, pool: pool)
        case .im2col(let packed): runIm2col(packed, input: input, output: output, scratch: scratch, pool: pool)
        }
    }

    /// Output pixels split over the pool; each part unfolds a chunk into its scratch and multiplies it
    /// while it is in cache.
    private func runIm2col(_ packedGroups: [QS8PackedGEMMWeights], input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>,
                           scratch: UnsafeMutableRawPointer, pool: ThreadPool) {
        let g = geometry, z = inputZeroPoint
        let pixels = g.batch &* g.outputHeight &* g.outputWidth
        let stride = qs8Im2colRowStride(g), chunk = chunkPixels, outPerGroup = g.outputChannelsPerGroup
        let perPart = (chunk &* stride &+ 63) & ~63
        let parts = parallelParts(flops: g.outputCount &* stride / 2, threads: pool.threads, units: pixels)
        @inline(__always) func unfold(_ piece: Range<Int>, _ group: Int, _ columns: UnsafeMutablePointer<UInt8>) {
            #if canImport(CPUFeatures.VNNI512)
            if qs8Im2colUsesStemVBMI(g) {
                qs8Im2colStemVBMI(g, pixels: piece, input: input, zeroPoint: z, columns: columns)
                return
            }
            #endif
            qs8Im2col(g, group: group, pixels: piece, input: input, zeroPoint: z, columns: columns, rowStride: stride)
        }
        packedGroups.withUnsafeBufferPointer { packedGroups in
            pool.parallelFor(parts) { part in
                let range = partition(pixels, parts: parts, part: part)
                let columns = (scratch + part &* perPart).bindMemory(to: UInt8.self, capacity: chunk &* stride)
                var start = range.lowerBound
                while start < range.upperBound {
                    let piece = start ..< min(range.upperBound, start &+ chunk)
                    for group in 0..<g.groups {
                        unfold(piece, group, columns)
                        qs8GEMMPacked(rows: piece.count, columns: 0..<outPerGroup, a: columns, lda: stride,
                                      packed: packedGroups[group],
                                      c: output + (piece.lowerBound &* g.outputChannels &+ group &* outPerGroup), ldc: g.outputChannels)
                    }
                    start = piece.upperBound
                }
            }
        }
    }
}

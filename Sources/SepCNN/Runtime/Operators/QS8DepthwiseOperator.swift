/// int8 depthwise convolution (contract: `qs8DepthwiseReference`), output rows split over the pool:
/// the vpdpbusd kernel for 3×3 and 5×5 with multiplier 1 and dilation 1 in VNNI builds, the general
/// kernel otherwise. Created by `QS8ConvolutionOperator` for depthwise-shaped geometries.
struct QS8DepthwiseOperator: QS8UnaryOperator {
    enum Kernel {
        #if canImport(CPUFeatures.VNNI512)
        case vnni(QS8DepthwiseVNNIWeights)
        #endif
        /// `[kh, kw, C·M]` weights, the unfolded int32 bias, multipliers.
        case general(weights: [Int8], bias: [Int32], multipliers: [Float])
    }
    let geometry: ConvGeometry
    let kernel: Kernel
    let inputZeroPoint: Int8
    let clamp: QS8OutputClamp

    /// `weights` `[kh, kw, C, multiplier]`, `weightScales` and `bias` one per output channel.
    init(_ g: ConvGeometry, weights: [Int8], weightScales: [Float], bias: [Float]?,
         input: QuantizationParameters, output: QuantizationParameters, activation: Activation) throws {
        guard g.groups == g.inputChannels, g.inputChannels > 0, g.outputChannels % g.inputChannels == 0 else {
            throw SepCNNError.shapeMismatch("int8 depthwise convolution: \(g.inputChannels) input channels in \(g.groups) groups cannot give \(g.outputChannels) outputs")
        }
        try qs8ValidateWeights(weights, count: g.kernelHeight * g.kernelWidth * g.outputChannels, scales: weightScales,
                               channels: g.outputChannels, "int8 depthwise convolution")
        if let bias { try requireCount(bias, g.outputChannels, "the bias", "int8 depthwise convolution") }
        geometry = g
        inputZeroPoint = input.zeroPoint
        clamp = try qs8ActivationRange(activation, output, "int8 depthwise convolution")
        let qbias = qs8QuantizeBias(bias, input: input, weightScales: weightScales)
        let m = qs8Multipliers(input: input, weightScales: weightScales, output: output)
        #if canImport(CPUFeatures.VNNI512)
        if qs8DepthwiseUsesVNNI(g) {
            kernel = .vnni(weights.withUnsafeBufferPointer {
                QS8DepthwiseVNNIWeights(g, weights: $0.baseAddress!, bias: qbias, multipliers: m, inputZeroPoint: input.zeroPoint)
            })
            return
        }
        #endif
        kernel = .general(weights: weights, bias: qbias, multipliers: m)
    }

    /// Bytes of scratch one thread's `runRows` needs, whole cache lines.
    var rowScratchByteCount: Int {
        switch kernel {
        #if canImport(CPUFeatures.VNNI512)
        case .vnni: return (qs8DepthwiseVNNIScratchByteCount(geometry) &+ 63) & ~63
        #endif
        case .general: return (qs8DepthwiseGeneralScratchByteCount(geometry) &+ 63) & ~63
        }
    }

    func scratchByteCount(threads: Int) -> Int { rowScratchByteCount &* max(threads, 1) }

    func run(input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>,
             scratch: UnsafeMutableRawPointer, pool: ThreadPool) {
        let g = geometry, rows = g.batch &* g.outputHeight, perPart = rowScratchByteCount
        // Counted as float flops: unlike the GEMM, this kernel runs near the float one's speed on
        // small maps (14×14×384: 27 µs against 18 µs), where a part per thread pays.
        let parts = parallelParts(flops: 2 &* g.outputCount &* g.kernelHeight &* g.kernelWidth, threads: pool.threads, units: rows)
        pool.parallelFor(parts) { part in
            let range = partition(rows, parts: parts, part: part)
            guard !range.isEmpty else { return }
            runRows(g, input: input, output: output, rows: range, scratch: scratch + part &* perPart)
        }
    }

    /// Output rows `rows` of `g` on this thread: the operator's geometry, or a band of its rows cut
    /// out as a convolution of its own (same width, channels and kernel; fewer input rows, its own
    /// top padding), as a fused block runs it.
    @inline(__always)
    func runRows(_ g: ConvGeometry, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>, rows: Range<Int>,
                 scratch: UnsafeMutableRawPointer) {
        switch kernel {
        #if canImport(CPUFeatures.VNNI512)
        case .vnni(let packed):
            qs8DepthwiseVNNI(g, input: input, inputZeroPoint: inputZeroPoint, packed: packed, clamp: clamp, output: output,
                             rows: rows, scratch: scratch)
        #endif
        case .general(let weights, let bias, let multipliers):
            weights.withUnsafeBufferPointer { w in
                bias.withUnsafeBufferPointer { b in
                    multipliers.withUnsafeBufferPointer { m in
                        qs8DepthwiseGeneral(g, input: input, inputZeroPoint: inputZeroPoint, weights: w.baseAddress!, bias: b.baseAddress!,
                                            multipliers: m.baseAddress!, clamp: clamp, output: output, rows: rows, scratch: scratch)
                    }
                }
            }
        }
    }
}

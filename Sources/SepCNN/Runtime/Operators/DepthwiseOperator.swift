/// Depthwise convolution (contract: `depthwiseConv2DReference`) by the fast kernels, output rows
/// split over the pool. The weights are copied to 64-byte-aligned storage: the kernels' vector
/// loads of `[Float]` storage straddled cache lines and ran measurably slower.
struct DepthwiseOperator: UnaryOperator {
    let geometry: ConvGeometry
    /// `[kh, kw, C, multiplier]`
    let weights: AlignedFloats
    let bias: AlignedFloats?
    let activation: Activation

    init(_ g: ConvGeometry, weights: [Float], bias: [Float]?, activation: Activation) throws {
        guard g.groups == g.inputChannels, g.inputChannels > 0, g.outputChannels % g.inputChannels == 0 else {
            throw SepCNNError.shapeMismatch("depthwise convolution: \(g.inputChannels) input channels in \(g.groups) groups cannot give \(g.outputChannels) outputs")
        }
        try requireCount(weights, g.kernelHeight * g.kernelWidth * g.outputChannels, "the weights", "depthwise convolution")
        if let bias { try requireCount(bias, g.outputChannels, "the bias", "depthwise convolution") }
        geometry = g
        self.weights = AlignedFloats(weights)
        self.bias = bias.map(AlignedFloats.init)
        self.activation = activation
    }

    /// Each part has its own share.
    func scratchCount(threads: Int) -> Int { depthwiseScratchCount(geometry) &* threads }

    func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
             scratch: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        let g = geometry
        let rows = g.batch &* g.outputHeight
        let perPart = depthwiseScratchCount(g)
        let parts = parallelParts(flops: 2 &* g.outputCount &* g.kernelHeight &* g.kernelWidth, threads: pool.threads, units: rows)
        let weights = weights.pointer, bias = bias?.pointer, activation = activation
        pool.parallelFor(parts) { part in
            let range = partition(rows, parts: parts, part: part)
            guard !range.isEmpty else { return }
            depthwiseConv2DFast(g, input: input, weights: weights, bias: bias, activation: activation, output: output,
                                rows: range, scratch: scratch + part &* perPart)
        }
    }
}

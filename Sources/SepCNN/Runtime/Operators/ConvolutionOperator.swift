/// Standard or grouped convolution (contract: `conv2DReference`), its weights packed once for the
/// kernel it picks:
/// - depthwise-shaped groups (one input channel each): the depthwise kernels;
/// - 1×1, stride 1, no padding, one group: a GEMM over the pixels, nothing to unfold;
/// - few input channels (a stem): the direct kernel, `usesFewChannelsConvolution`;
/// - 3×3, stride 1, one group, enough channels: Winograd F(2×2, 3×3), `usesWinograd3x3`;
/// - anything else: im2col + GEMM, a chunk of pixels at a time.
struct ConvolutionOperator: UnaryOperator {
    enum Kernel {
        case depthwise(DepthwiseOperator)
        case gemm(GEMMOperator)
        /// Weights from `packFewChannelsWeights`.
        case fewChannels(AlignedFloats)
        /// Group g's `[kh·kw·Cin/groups, Cout/groups]` weight columns.
        case im2col([PackedGEMMWeights])
        /// The transformed weights U of tile position ξ, `[Cin, Cout]`, for ξ in 0..<16.
        case winograd3x3([PackedGEMMWeights])
    }
    let geometry: ConvGeometry
    let kernel: Kernel
    let bias: AlignedFloats?
    let activation: Activation

    /// `weights` is `[kh, kw, Cin/groups, Cout]`, `bias` nil or `[Cout]`.
    init(_ g: ConvGeometry, weights: [Float], bias: [Float]?, activation: Activation) throws {
        guard g.groups > 0, g.inputChannels % g.groups == 0, g.outputChannels % g.groups == 0 else {
            throw SepCNNError.shapeMismatch("convolution: \(g.groups) groups must divide \(g.inputChannels) input and \(g.outputChannels) output channels")
        }
        let depth = g.kernelHeight * g.kernelWidth * g.inputChannelsPerGroup
        try requireCount(weights, depth * g.outputChannels, "the weights", "convolution")
        if let bias { try requireCount(bias, g.outputChannels, "the bias", "convolution") }
        geometry = g
        self.activation = activation
        if g.isDepthwise {
            kernel = .depthwise(try DepthwiseOperator(g, weights: weights, bias: bias, activation: activation))
        } else if Self.isPixelwise(g) {
            kernel = .gemm(try GEMMOperator(rows: g.batch * g.inputHeight * g.inputWidth, k: g.inputChannels, n: g.outputChannels,
                                            weights: weights, bias: bias, activation: activation))
        } else if usesFewChannelsConvolution(g) {
            kernel = .fewChannels(AlignedFloats(weights.withUnsafeBufferPointer { packFewChannelsWeights(g, weights: $0.baseAddress!) }))
        } else if usesWinograd3x3(g, activation: activation) {
            var u = [Float](repeating: 0, count: 16 * g.inputChannels * g.outputChannels)
            weights.withUnsafeBufferPointer { w in
                u.withUnsafeMutableBufferPointer { u in
                    winograd3x3TransformWeights(w.baseAddress!, inputChannels: g.inputChannels, outputChannels: g.outputChannels,
                                                into: u.baseAddress!)
                }
            }
            let plane = g.inputChannels * g.outputChannels
            kernel = .winograd3x3(u.withUnsafeBufferPointer { u in
                (0..<16).map { PackedGEMMWeights(k: g.inputChannels, n: g.outputChannels, b: u.baseAddress! + $0 * plane, ldb: g.outputChannels) }
            })
        } else {
            kernel = .im2col(weights.withUnsafeBufferPointer { w in
                (0..<g.groups).map { group in
                    PackedGEMMWeights(k: depth, n: g.outputChannelsPerGroup, b: w.baseAddress! + group * g.outputChannelsPerGroup,
                                      ldb: g.outputChannels)
                }
            })
        }
        // The depthwise and GEMM operators hold their own.
        self.bias = g.isDepthwise || Self.isPixelwise(g) ? nil : bias.map(AlignedFloats.init)
    }

    /// Output pixel p reads exactly input pixel p: the convolution is a matrix product.
    static func isPixelwise(_ g: ConvGeometry) -> Bool {
        g.kernelHeight == 1 && g.kernelWidth == 1 && g.strideHeight == 1 && g.strideWidth == 1 && g.padTop == 0
            && g.padLeft == 0 && g.outputHeight == g.inputHeight && g.outputWidth == g.inputWidth && g.groups == 1
    }

    func scratchCount(threads: Int) -> Int {
        switch kernel {
        case .depthwise(let op): return op.scratchCount(threads: threads)
        case .gemm: return 0
        case .fewChannels: return fewChannelsScratchCount(geometry) &* threads
        case .im2col: return Self.im2colPartsScratchCount(geometry, threads: threads)
        case .winograd3x3: return max(threads, 1) &* Self.winogradChunkScratchCount(geometry)
        }
    }

    func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
             scratch: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        switch kernel {
        case .depthwise(let op): op.run(input: input, output: output, scratch: scratch, pool: pool)
        case .gemm(let op): op.run(input: input, output: output, scratch: scratch, pool: pool)
        case .fewChannels(let packed): runFewChannels(packed, input: input, output: output, scratch: scratch, pool: pool)
        case .im2col(let packed): runIm2col(packed, input: input, output: output, scratch: scratch, pool: pool)
        case .winograd3x3(let packed): runWinograd3x3(packed, input: input, output: output, scratch: scratch, pool: pool)
        }
    }

    /// Output rows split over the pool; each part has its own scratch.
    private func runFewChannels(_ packed: AlignedFloats, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                                scratch: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        let g = geometry, bias = bias?.pointer, activation = activation
        let rows = g.batch &* g.outputHeight
        let perPart = fewChannelsScratchCount(g)
        let parts = parallelParts(flops: 2 &* g.outputCount &* g.kernelHeight &* g.kernelWidth &* g.inputChannels,
                                  threads: pool.threads, units: rows)
        pool.parallelFor(parts) { part in
            let range = partition(rows, parts: parts, part: part)
            guard !range.isEmpty else { return }
            convFewChannelsRows(g, input: input, weights: packed.pointer, bias: bias, activation: activation, output: output,
                                rows: range, scratch: scratch + part &* perPart)
        }
    }

    /// Output pixels split over the pool; each part unfolds its pixels a chunk at a time into its
    /// share of the scratch and multiplies the chunk while it is still in L2: unfolding a whole
    /// 56×56×128 layer first wrote and re-read 14 MB.
    private func runIm2col(_ packedGroups: [PackedGEMMWeights], input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                           scratch: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        let g = geometry, bias = bias?.pointer, activation = activation
        let pixels = g.batch &* g.outputHeight &* g.outputWidth
        let depth = g.kernelHeight &* g.kernelWidth &* g.inputChannelsPerGroup
        let outPerGroup = g.outputChannelsPerGroup
        let parts = parallelParts(flops: 2 &* g.outputCount &* depth, threads: pool.threads, units: pixels)
        let chunked = Self.im2colPartsScratchCount(g, threads: pool.threads) < im2colScratchCount(g)
        let chunk = Self.im2colChunkPixels(g)
        pool.parallelFor(parts) { part in
            let range = partition(pixels, parts: parts, part: part)
            guard !range.isEmpty else { return }
            let columns = chunked ? scratch + part &* chunk &* depth : scratch + range.lowerBound &* depth
            var start = range.lowerBound
            while start < range.upperBound {
                let piece = start ..< (chunked ? min(range.upperBound, start &+ chunk) : range.upperBound)
                for group in 0..<g.groups {
                    im2col(g, group: group, pixels: piece, input: input, columns: columns)
                    gemmPacked(rows: 0..<piece.count, columns: 0..<outPerGroup, a: columns, lda: depth, packed: packedGroups[group],
                               bias: bias.map { $0 + group &* outPerGroup }, activation: activation,
                               c: output + (piece.lowerBound &* g.outputChannels &+ group &* outPerGroup), ldc: g.outputChannels)
                }
                start = piece.upperBound
            }
        }
    }

    /// Tiles split over the pool; each part transforms a chunk of its tiles into its share of the
    /// scratch, multiplies the 16 planes while they are in L2, and transforms the products back.
    private func runWinograd3x3(_ packed: [PackedGEMMWeights], input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                                scratch: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        let g = geometry, bias = bias?.pointer, activation = activation
        let (tilesHigh, tilesWide) = winograd3x3Tiles(g)
        let tiles = g.batch &* tilesHigh &* tilesWide
        let chunk = Self.winogradChunkTiles(g), perPart = Self.winogradChunkScratchCount(g)
        let parts = parallelParts(flops: 32 &* tiles &* g.inputChannels &* g.outputChannels, threads: pool.threads, units: tiles)
        pool.parallelFor(parts) { part in
            let range = partition(tiles, parts: parts, part: part)
            guard !range.isEmpty else { return }
            let transformed = scratch + part &* perPart
            let products = transformed + 16 &* chunk &* g.inputChannels
            var start = range.lowerBound
            while start < range.upperBound {
                let piece = start ..< min(range.upperBound, start &+ chunk)
                winograd3x3TransformInput(g, input: input, tiles: piece, into: transformed, planeStride: piece.count &* g.inputChannels)
                for position in 0..<16 {
                    gemmPacked(rows: 0..<piece.count, columns: 0..<g.outputChannels,
                               a: transformed + position &* piece.count &* g.inputChannels, lda: g.inputChannels,
                               packed: packed[position], bias: nil, activation: .linear,
                               c: products + position &* piece.count &* g.outputChannels, ldc: g.outputChannels)
                }
                winograd3x3TransformOutput(g, products: products, planeStride: piece.count &* g.outputChannels, tiles: piece,
                                           bias: bias, activation: activation, output: output)
                start = piece.upperBound
            }
        }
    }

    /// Tiles transformed at a time: their 16 planes of inputs and products fill about 512 KB (L2).
    static func winogradChunkTiles(_ g: ConvGeometry) -> Int {
        min(GEMMBlocking.rowBlock, max(16, 8_192 / max(g.inputChannels &+ g.outputChannels, 1)))
    }

    static func winogradChunkScratchCount(_ g: ConvGeometry) -> Int {
        16 &* winogradChunkTiles(g) &* (g.inputChannels &+ g.outputChannels)
    }

    /// Output pixels im2col unfolds at a time: about 256 KB of columns, and at least one GEMM row block.
    static func im2colChunkPixels(_ g: ConvGeometry) -> Int {
        let depth = g.kernelHeight &* g.kernelWidth &* g.inputChannelsPerGroup
        return max(GEMMBlocking.rowBlock, 65_536 / max(depth, 1))
    }

    /// A chunk per thread, or the whole unfolded input when that is smaller.
    static func im2colPartsScratchCount(_ g: ConvGeometry, threads: Int) -> Int {
        let depth = g.kernelHeight &* g.kernelWidth &* g.inputChannelsPerGroup
        return min(im2colScratchCount(g), max(threads, 1) &* im2colChunkPixels(g) &* depth)
    }
}

/// Whether a convolution of geometry `g` runs as Winograd F(2×2, 3×3): 3×3, stride 1, one group,
/// a fusable activation (applied in the output transform's store), and at least 16 input and output
/// channels, below which the 16 small matrix products cost more than the arithmetic they save.
func usesWinograd3x3(_ g: ConvGeometry, activation: Activation) -> Bool {
    isWinograd3x3Shaped(g) && activation.isFusable && g.inputChannels >= 16 && g.outputChannels >= 16
}

/// The operations layers and inference steps call: each picks the fastest kernel for its shape
/// and splits the work over a thread pool. Kernels below stay single-threaded and allocation-free;
/// this is the one place that decides how they are combined.

/// C = act(A · B + bias) with B already packed, rows (or, for few rows, columns) split over the pool.
func gemm(m: Int, a: UnsafePointer<Float>, lda: Int, packed: PackedGEMMWeights,
          bias: UnsafePointer<Float>?, activation: Activation,
          c: UnsafeMutablePointer<Float>, ldc: Int, pool: ThreadPool) {
    let n = packed.n
    let parts = parallelParts(flops: 2 &* m &* packed.k &* n, threads: pool.threads, units: max(m, n / packed.panelWidth))
    if parts == 1 {
        gemmPacked(rows: 0..<m, columns: 0..<n, a: a, lda: lda, packed: packed, bias: bias, activation: activation, c: c, ldc: ldc)
        return
    }
    // Split whichever way leaves the largest part smaller: rows, or panel-aligned columns (Dense
    // with a batch of one has a single row). 7×7 layers have 49 rows and 5 panels of 320 columns:
    // split by panels, one thread got 3 of them, by rows 25 of 49 rows.
    let panels = (n &+ packed.panelWidth &- 1) / packed.panelWidth
    let largestRowPart = (m &+ parts &- 1) / parts, largestColumnPart = (panels &+ parts &- 1) / parts
    let splitRows = largestRowPart &* panels <= largestColumnPart &* m
    pool.parallelFor(parts) { part in
        let rows = splitRows ? partition(m, parts: parts, part: part) : 0..<m
        let columns = splitRows ? 0..<n : partition(n, parts: parts, part: part, granule: packed.panelWidth)
        guard !rows.isEmpty, !columns.isEmpty else { return }
        gemmPacked(rows: rows, columns: columns, a: a, lda: lda, packed: packed, bias: bias, activation: activation, c: c, ldc: ldc)
    }
}

/// C = act(A · B + bias) for an unpacked B: packs it for this call. Layers use this; inference
/// plans pack once and call the packed form.
func gemm(m: Int, n: Int, k: Int,
          a: UnsafePointer<Float>, lda: Int,
          b: UnsafePointer<Float>, ldb: Int,
          bias: UnsafePointer<Float>?,
          activation: Activation,
          c: UnsafeMutablePointer<Float>, ldc: Int,
          pool: ThreadPool = .shared) {
    guard m > 0, n > 0 else { return }
    // Packing costs as much as a few rows of work: not worth it for one or two rows.
    if m < 4 {
        gemmReference(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, bias: bias, activation: activation, c: c, ldc: ldc)
        return
    }
    let packed = PackedGEMMWeights(k: k, n: n, b: b, ldb: ldb)
    gemm(m: m, a: a, lda: lda, packed: packed, bias: bias, activation: activation, c: c, ldc: ldc, pool: pool)
}

/// Standard or grouped convolution as im2col + GEMM with each group's weights packed
/// (`packedGroups[g]` holds group g's `[kh·kw·Cin/groups, Cout/groups]` columns). Output pixels are
/// split over the pool; each part unfolds its pixels a chunk at a time into its share of `scratch`
/// (`conv2DScratchCount(g, threads: pool.threads)` floats, or more) and multiplies the chunk while
/// it is still in L2: unfolding a whole 56×56×128 layer first wrote and re-read 14 MB.
func conv2D(_ g: ConvGeometry, input: UnsafePointer<Float>, packedGroups: [PackedGEMMWeights],
            bias: UnsafePointer<Float>?, activation: Activation,
            output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, pool: ThreadPool) {
    let pixels = g.batch &* g.outputHeight &* g.outputWidth
    let depth = g.kernelHeight &* g.kernelWidth &* g.inputChannelsPerGroup
    let outPerGroup = g.outputChannelsPerGroup
    let parts = parallelParts(flops: 2 &* g.outputCount &* depth, threads: pool.threads, units: pixels)
    // Chunked when the chunks of every thread take less than unfolding everything (see conv2DScratchCount).
    let chunked = conv2DScratchCount(g, threads: pool.threads) < im2colScratchCount(g)
    let chunk = im2colChunkPixels(g)
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

/// Standard convolution with few input channels (`usesFewChannelsConvolution`) by the direct
/// kernel, with weights from `packFewChannelsWeights` and output rows split over the pool.
/// `scratch` holds `pool.threads × fewChannelsScratchCount(g)` floats: each part has its own.
func convFewChannels(_ g: ConvGeometry, input: UnsafePointer<Float>, packedWeights: UnsafePointer<Float>,
                     bias: UnsafePointer<Float>?, activation: Activation,
                     output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, pool: ThreadPool) {
    let rows = g.batch &* g.outputHeight
    let perPart = fewChannelsScratchCount(g)
    let parts = parallelParts(flops: 2 &* g.outputCount &* g.kernelHeight &* g.kernelWidth &* g.inputChannels,
                              threads: pool.threads, units: rows)
    pool.parallelFor(parts) { part in
        let range = partition(rows, parts: parts, part: part)
        guard !range.isEmpty else { return }
        convFewChannelsRows(g, input: input, weights: packedWeights, bias: bias, activation: activation, output: output,
                            rows: range, scratch: scratch + part &* perPart)
    }
}

/// Output pixels `conv2D` unfolds at a time: about 256 KB of columns, and at least one GEMM row block.
func im2colChunkPixels(_ g: ConvGeometry) -> Int {
    let depth = g.kernelHeight &* g.kernelWidth &* g.inputChannelsPerGroup
    return max(GEMMBlocking.rowBlock, 65_536 / max(depth, 1))
}

/// Floats of scratch `conv2D` needs on `threads` threads: a chunk per thread, or the whole unfolded
/// input (`im2colScratchCount`) when that is smaller. Never more than `im2colScratchCount(g)`.
func conv2DScratchCount(_ g: ConvGeometry, threads: Int) -> Int {
    let depth = g.kernelHeight &* g.kernelWidth &* g.inputChannelsPerGroup
    return min(im2colScratchCount(g), max(threads, 1) &* im2colChunkPixels(g) &* depth)
}

/// Packs each group's weight columns of a `[kh, kw, Cin/groups, Cout]` convolution for `conv2D`.
func packConvolutionGroups(_ g: ConvGeometry, weights: UnsafePointer<Float>) -> [PackedGEMMWeights] {
    let depth = g.kernelHeight &* g.kernelWidth &* g.inputChannelsPerGroup
    let outPerGroup = g.outputChannelsPerGroup
    return (0..<g.groups).map { group in
        PackedGEMMWeights(k: depth, n: outPerGroup, b: weights + group &* outPerGroup, ldb: g.outputChannels)
    }
}

/// Standard or grouped convolution for layers: depthwise-shaped groups take the depthwise kernel,
/// few input channels the direct kernel, the rest im2col + GEMM, with weights packed for this call.
/// `scratch` holds `conv2DLayerScratchCount(g, threads: pool.threads)` floats.
func conv2D(_ g: ConvGeometry, input: UnsafePointer<Float>, weights: UnsafePointer<Float>,
            bias: UnsafePointer<Float>?, activation: Activation,
            output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, pool: ThreadPool = .shared) {
    if g.isDepthwise {
        depthwiseConv2D(g, input: input, weights: weights, bias: bias, activation: activation, output: output, pool: pool)
    } else if usesFewChannelsConvolution(g) {
        packFewChannelsWeights(g, weights: weights).withUnsafeBufferPointer { w in
            convFewChannels(g, input: input, packedWeights: w.baseAddress!, bias: bias, activation: activation,
                            output: output, scratch: scratch, pool: pool)
        }
    } else {
        conv2D(g, input: input, packedGroups: packConvolutionGroups(g, weights: weights), bias: bias, activation: activation,
               output: output, scratch: scratch, pool: pool)
    }
}

/// Floats of scratch the layers' `conv2D` needs for `g` on `threads` threads: what the kernel it
/// picks reads and writes, not a whole unfolded input.
func conv2DLayerScratchCount(_ g: ConvGeometry, threads: Int) -> Int {
    if g.isDepthwise { return 0 }
    if usesFewChannelsConvolution(g) { return fewChannelsScratchCount(g) &* threads }
    return conv2DScratchCount(g, threads: threads)
}

/// Depthwise convolution (contract: `depthwiseConv2DReference`) with the fast kernels, output
/// rows split over the pool. `scratch` holds `pool.threads × depthwiseScratchCount(g)` floats: each part has its own.
func depthwiseConv2D(_ g: ConvGeometry, input: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                     bias: UnsafePointer<Float>?, activation: Activation,
                     output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, pool: ThreadPool) {
    let rows = g.batch &* g.outputHeight
    let perPart = depthwiseScratchCount(g)
    let parts = parallelParts(flops: 2 &* g.outputCount &* g.kernelHeight &* g.kernelWidth, threads: pool.threads, units: rows)
    pool.parallelFor(parts) { part in
        let range = partition(rows, parts: parts, part: part)
        guard !range.isEmpty else { return }
        depthwiseConv2DFast(g, input: input, weights: weights, bias: bias, activation: activation, output: output,
                            rows: range, scratch: scratch + part &* perPart)
    }
}

/// The same for layers, which allocate the scratch per call.
func depthwiseConv2D(_ g: ConvGeometry, input: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                     bias: UnsafePointer<Float>?, activation: Activation,
                     output: UnsafeMutablePointer<Float>, pool: ThreadPool = .shared) {
    var scratch = [Float](repeating: 0, count: max(depthwiseScratchCount(g) &* pool.threads, 1))
    scratch.withUnsafeMutableBufferPointer { s in
        depthwiseConv2D(g, input: input, weights: weights, bias: bias, activation: activation, output: output,
                        scratch: s.baseAddress!, pool: pool)
    }
}

/// The backward passes layers call: like the operators (`Operators/`), each picks its kernels and splits the
/// work over a thread pool, and allocates the scratch it needs per call. Weight and bias gradients
/// are written (overwritten), not accumulated; layers add them into `Parameter.gradient`.

/// The gradients of `Y = X · W + bias` for row-major `X [m, k]`, `W [k, n]`: dX = dY · Wᵀ,
/// dW = Xᵀ · dY, dBias = Σ_rows dY. Pointwise convolution and Dense are this with m = pixels or
/// batch. `gradBias` nil skips dBias (no bias).
func linearBackward(m: Int, k: Int, n: Int, input: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                    gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>,
                    gradWeights: UnsafeMutablePointer<Float>, gradBias: UnsafeMutablePointer<Float>?,
                    pool: ThreadPool = .shared) {
    if let gradBias {
        gradBias.initialize(repeating: 0, count: n)
        addColumnSums(gradOutput, rows: m, columns: n, into: gradBias)
    }
    gradWeights.initialize(repeating: 0, count: k &* n)
    gemmTransposedA(m: k, n: n, k: m, a: input, lda: k, b: gradOutput, ldb: n, c: gradWeights, ldc: n, pool: pool)
    guard m > 0 else { return }
    // The GEMM driver multiplies untransposed row-major operands: Wᵀ is materialised (it is small).
    var transposed = [Float](repeating: 0, count: k &* n)
    transposed.withUnsafeMutableBufferPointer { t in
        transpose(rows: k, columns: n, source: weights, lds: n, destination: t.baseAddress!, ldd: k)
        gemm(m: m, n: k, k: n, a: gradOutput, lda: n, b: t.baseAddress!, ldb: k, bias: nil, activation: .linear,
             c: gradInput, ldc: k, pool: pool)
    }
}

/// C = act(A · B + bias) for an unpacked B, any leading dimensions: packs B for this call, except
/// for one to three rows, where packing costs as much as the product. The backward passes use it
/// for the transposed weights they build per call.
func gemm(m: Int, n: Int, k: Int,
          a: UnsafePointer<Float>, lda: Int,
          b: UnsafePointer<Float>, ldb: Int,
          bias: UnsafePointer<Float>?,
          activation: Activation,
          c: UnsafeMutablePointer<Float>, ldc: Int,
          pool: ThreadPool = .shared) {
    guard m > 0, n > 0 else { return }
    if m < 4 {
        gemmReference(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, bias: bias, activation: activation, c: c, ldc: ldc)
        return
    }
    let packed = PackedGEMMWeights(k: k, n: n, b: b, ldb: ldb)
    GEMMOperator.multiply(rows: m, a: a, lda: lda, packed: packed, bias: bias, activation: activation, c: c, ldc: ldc, pool: pool)
}

/// `C[m×n] += Aᵀ · B` (contract: `gemmTransposedAReference`) with C's rows split over the pool.
func gemmTransposedA(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                     c: UnsafeMutablePointer<Float>, ldc: Int, pool: ThreadPool = .shared) {
    let parts = parallelParts(flops: 2 &* m &* n &* k, threads: pool.threads, units: (m &+ 7) / 8)
    pool.parallelFor(parts) { part in
        gemmTransposedA(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc,
                        rows: partition(m, parts: parts, part: part, granule: 8))
    }
}

/// Output pixels per im2col block in `conv2DBackward`: bounds the scratch (a few MB) and keeps
/// each block's columns in cache between the GEMMs that read and write them.
private let backwardPixelBlock = 1024

/// The gradients of a standard or grouped convolution (contract: `conv2DBackwardReference`) by
/// im2col + GEMM per block of output pixels: dW_g += colsᵀ · dY_g, cols = dY_g · W_gᵀ, then
/// col2im adds the columns back onto the input gradient. Depthwise-shaped groups must use
/// `depthwiseConv2DBackward` instead. Images are split over the pool, each part running its own
/// unfold, GEMMs and fold single-threaded (the inputs it folds into are its own) and summing its own
/// weight gradients, which are then added: splitting each GEMM instead left im2col and col2im serial.
func conv2DBackward(_ g: ConvGeometry, input: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                    gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>,
                    gradWeights: UnsafeMutablePointer<Float>, gradBias: UnsafeMutablePointer<Float>?,
                    pool: ThreadPool = .shared) {
    let pixels = g.batch &* g.outputHeight &* g.outputWidth
    let depth = g.kernelHeight &* g.kernelWidth &* g.inputChannelsPerGroup
    let outChannels = g.outputChannels, weightCount = depth &* outChannels
    gradInput.initialize(repeating: 0, count: g.inputCount)
    gradWeights.initialize(repeating: 0, count: weightCount)
    if let gradBias {
        gradBias.initialize(repeating: 0, count: outChannels)
        addColumnSums(gradOutput, rows: pixels, columns: outChannels, into: gradBias)
    }
    let parts = parallelParts(flops: 4 &* g.outputCount &* depth, threads: pool.threads, units: g.batch)
    // Wᵀ of every group, then per part one block's columns and (but for part 0) its own dW.
    let block = min(backwardPixelBlock, max(g.outputHeight &* g.outputWidth &* ((g.batch &+ parts &- 1) / parts), 1))
    let partFloats = block &* depth &+ (parts > 1 ? weightCount : 0)
    var scratch = [Float](repeating: 0, count: weightCount &+ parts &* partFloats)
    scratch.withUnsafeMutableBufferPointer { s in
        let weightsT = s.baseAddress!
        let outPerGroup = g.outputChannelsPerGroup
        for group in 0..<g.groups {
            transpose(rows: depth, columns: outPerGroup, source: weights + group &* outPerGroup, lds: outChannels,
                      destination: weightsT + group &* depth &* outPerGroup, ldd: depth)
        }
        // One part (a single image, say) keeps the pool for its GEMMs.
        let inner = parts == 1 ? pool : ThreadPool(threads: 1)
        pool.parallelFor(parts) { part in
            let images = partition(g.batch, parts: parts, part: part)
            guard !images.isEmpty else { return }
            let columns = weightsT + (weightCount &+ part &* partFloats)
            let ownWeights = part == 0 ? gradWeights : columns + block &* depth
            let imagePixels = g.outputHeight &* g.outputWidth
            conv2DBackwardPixels(g, pixels: images.lowerBound &* imagePixels ..< images.upperBound &* imagePixels,
                                 block: block, input: input, weightsT: weightsT, gradOutput: gradOutput,
                                 gradInput: gradInput, gradWeights: ownWeights, columns: columns, pool: inner)
        }
        for part in 1..<max(parts, 1) {
            let partial = weightsT + (weightCount &+ part &* partFloats &+ block &* depth)
            for i in 0..<weightCount { gradWeights[i] += partial[i] }
        }
    }
}

/// `conv2DBackward`'s work for output pixels `pixels` (whole images), a block at a time, adding into
/// `gradInput` and `gradWeights` (zeroed by the caller); `weightsT` holds every group's Wᵀ and
/// `columns` one block's unfolded rows.
private func conv2DBackwardPixels(_ g: ConvGeometry, pixels: Range<Int>, block: Int, input: UnsafePointer<Float>,
                                  weightsT: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                                  gradInput: UnsafeMutablePointer<Float>, gradWeights: UnsafeMutablePointer<Float>,
                                  columns: UnsafeMutablePointer<Float>, pool: ThreadPool) {
    let depth = g.kernelHeight &* g.kernelWidth &* g.inputChannelsPerGroup
    let outPerGroup = g.outputChannelsPerGroup, outChannels = g.outputChannels
    for group in 0..<g.groups {
        let groupColumn = group &* outPerGroup
        var start = pixels.lowerBound
        while start < pixels.upperBound {
            let range = start ..< min(pixels.upperBound, start &+ block)
            let dy = gradOutput + (range.lowerBound &* outChannels &+ groupColumn)
            im2col(g, group: group, pixels: range, input: input, columns: columns)
            gemmTransposedA(m: depth, n: outPerGroup, k: range.count, a: columns, lda: depth, b: dy, ldb: outChannels,
                            c: gradWeights + groupColumn, ldc: outChannels, pool: pool)
            gemm(m: range.count, n: depth, k: outPerGroup, a: dy, lda: outChannels, b: weightsT + group &* depth &* outPerGroup,
                 ldb: depth, bias: nil, activation: .linear, c: columns, ldc: depth, pool: pool)
            col2im(g, group: group, pixels: range, columns: columns, gradInput: gradInput)
            start = range.upperBound
        }
    }
}

/// The gradients of a depthwise convolution (contracts: `depthwiseConv2DBackwardInputReference`,
/// `depthwiseConv2DBackwardWeightsReference`) with images split over the pool; each part sums its
/// own weight gradients, which are then added.
func depthwiseConv2DBackward(_ g: ConvGeometry, input: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                             gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>,
                             gradWeights: UnsafeMutablePointer<Float>, gradBias: UnsafeMutablePointer<Float>?,
                             pool: ThreadPool = .shared) {
    let weightCount = g.kernelHeight &* g.kernelWidth &* g.outputChannels
    let parts = parallelParts(flops: 4 &* g.outputCount &* g.kernelHeight &* g.kernelWidth, threads: pool.threads, units: g.batch)
    if parts == 1 {
        depthwiseConv2DBackwardInput(g, gradOutput: gradOutput, weights: weights, gradInput: gradInput, images: 0..<g.batch)
        depthwiseConv2DBackwardWeights(g, input: input, gradOutput: gradOutput, gradWeights: gradWeights,
                                       gradBias: gradBias, images: 0..<g.batch)
        return
    }
    // Part 0 writes the caller's buffers; the others their own partial sums.
    let partFloats = weightCount &+ g.outputChannels
    var partials = [Float](repeating: 0, count: (parts &- 1) &* partFloats)
    partials.withUnsafeMutableBufferPointer { p in
        let p = p.baseAddress!
        pool.parallelFor(parts) { part in
            let images = partition(g.batch, parts: parts, part: part)
            let ownWeights = part == 0 ? gradWeights : p + (part &- 1) &* partFloats
            let ownBias = part == 0 ? gradBias : gradBias.map { _ in ownWeights + weightCount }
            depthwiseConv2DBackwardInput(g, gradOutput: gradOutput, weights: weights, gradInput: gradInput, images: images)
            depthwiseConv2DBackwardWeights(g, input: input, gradOutput: gradOutput, gradWeights: ownWeights,
                                           gradBias: ownBias, images: images)
        }
        for part in 1..<parts {
            let partial = p + (part &- 1) &* partFloats
            addInPlace(gradWeights, partial, count: weightCount)
            if let gradBias { addInPlace(gradBias, partial + weightCount, count: g.outputChannels) }
        }
    }
}

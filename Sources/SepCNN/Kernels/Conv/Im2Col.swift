/// Unfolds the receptive fields of one channel group into rows, so a convolution becomes a GEMM.
///
/// For each output pixel in `pixels` (indices into the flattened batch · outputHeight · outputWidth
/// range), writes one row of `kernelHeight·kernelWidth·Cin/groups` values, ordered (ky, kx, ci) to
/// match the `[kh, kw, Cin/groups, Cout]` weight layout; padding is zero. Row i of `columns` holds
/// pixel `pixels.lowerBound + i`. Multiplying these rows by the group's weight columns gives that
/// group's output channels.
func im2col(_ g: ConvGeometry, group: Int, pixels: Range<Int>, input: UnsafePointer<Float>, columns: UnsafeMutablePointer<Float>) {
    let inPerGroup = g.inputChannelsPerGroup
    let imagePixels = g.outputHeight &* g.outputWidth
    var slot = columns
    for pixel in pixels {
        let n = pixel / imagePixels, within = pixel &- n &* imagePixels
        let oy = within / g.outputWidth, ox = within &- oy &* g.outputWidth
        let image = input + (n &* (g.inputHeight &* g.inputWidth &* g.inputChannels) &+ group &* inPerGroup)
        let ix0 = ox &* g.strideWidth &- g.padLeft
        // With one group and no horizontal dilation, a kernel row inside the image is one contiguous
        // run of kw·C floats: copy it in one go instead of kw runs of C (a stem has C = 3).
        let rowIsContiguous = g.groups == 1 && g.dilationWidth == 1 && ix0 >= 0 && ix0 &+ g.kernelWidth <= g.inputWidth
        for ky in 0..<g.kernelHeight {
            let iy = oy &* g.strideHeight &- g.padTop &+ ky &* g.dilationHeight
            if rowIsContiguous && iy >= 0 && iy < g.inputHeight {
                let run = g.kernelWidth &* inPerGroup
                let source = image + (iy &* g.inputWidth &+ ix0) &* g.inputChannels
                for i in 0..<run { slot[i] = source[i] }
                slot += run
                continue
            }
            for kx in 0..<g.kernelWidth {
                let ix = ox &* g.strideWidth &- g.padLeft &+ kx &* g.dilationWidth
                if iy < 0 || iy >= g.inputHeight || ix < 0 || ix >= g.inputWidth {
                    slot.initialize(repeating: 0, count: inPerGroup)
                } else {
                    slot.update(from: image + (iy &* g.inputWidth &+ ix) &* g.inputChannels, count: inPerGroup)
                }
                slot += inPerGroup
            }
        }
    }
}

/// Scratch floats `conv2DIm2Col` needs for this geometry.
func im2colScratchCount(_ g: ConvGeometry) -> Int {
    g.batch &* g.outputHeight &* g.outputWidth &* g.kernelHeight &* g.kernelWidth &* g.inputChannelsPerGroup
}

/// Standard convolution as plain im2col + reference GEMM, group by group (the composition
/// `ConvolutionOperator` runs with fast kernels and threads), using caller-provided scratch of
/// `im2colScratchCount(g)` floats. Same contract as `conv2DReference`.
func conv2DIm2Col(_ g: ConvGeometry,
                  input: UnsafePointer<Float>,
                  weights: UnsafePointer<Float>,
                  bias: UnsafePointer<Float>?,
                  activation: Activation,
                  output: UnsafeMutablePointer<Float>,
                  scratch: UnsafeMutablePointer<Float>) {
    let rows = g.batch &* g.outputHeight &* g.outputWidth
    let depth = g.kernelHeight &* g.kernelWidth &* g.inputChannelsPerGroup
    let outPerGroup = g.outputChannelsPerGroup
    for group in 0..<g.groups {
        im2col(g, group: group, pixels: 0..<rows, input: input, columns: scratch)
        // The group's weight columns start at column group·outPerGroup of the [depth, Cout] matrix,
        // and its outputs at the same column of the [rows, Cout] output.
        gemmReference(m: rows, n: outPerGroup, k: depth,
                      a: scratch, lda: depth,
                      b: weights + group &* outPerGroup, ldb: g.outputChannels,
                      bias: bias.map { $0 + group &* outPerGroup }, activation: activation,
                      c: output + group &* outPerGroup, ldc: g.outputChannels)
    }
}

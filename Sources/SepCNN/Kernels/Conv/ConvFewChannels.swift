// Direct convolution for standard convolutions with few input channels: the 3-channel stem of
// every ImageNet network (and the 1-channel first layer of MNIST-style models). As im2col + GEMM
// the stem ran at about a third of the machine's peak: every output pixel unfolded a 27-float row,
// and a K = 27 GEMM spends much of each tile on its start and store. Here an 8-pixel × 32-channel
// tile of outputs stays in registers over all kh·kw·Cin taps, reading the input straight from kh
// zero-padded copies of the input rows it needs.

/// Whether `convFewChannelsRows` handles `g`, and beats im2col + GEMM on it.
func usesFewChannelsConvolution(_ g: ConvGeometry) -> Bool {
    g.groups == 1 && g.inputChannels <= 4 && g.outputChannels >= 8
}

/// Output channels of a weight row in `packFewChannelsWeights`: Cout rounded up to a whole tile.
func fewChannelsPaddedOutputs(_ g: ConvGeometry) -> Int { (g.outputChannels &+ 31) & ~31 }

/// `[kh, kw, Cin, Cout]` weights as `[kh·kw·Cin, fewChannelsPaddedOutputs(g)]`, the extra columns
/// zero, so the kernel loads whole vectors.
func packFewChannelsWeights(_ g: ConvGeometry, weights: UnsafePointer<Float>) -> [Float] {
    let taps = g.kernelHeight &* g.kernelWidth &* g.inputChannels, padded = fewChannelsPaddedOutputs(g)
    var packed = [Float](repeating: 0, count: taps &* padded)
    for t in 0..<taps {
        for o in 0..<g.outputChannels { packed[t &* padded &+ o] = weights[t &* g.outputChannels &+ o] }
    }
    return packed
}

/// Floats of one input row as the kernel copies it: every column an output row reads, padding included.
func fewChannelsRowLength(_ g: ConvGeometry) -> Int {
    ((g.outputWidth &- 1) &* g.strideWidth &+ (g.kernelWidth &- 1) &* g.dilationWidth &+ 1) &* g.inputChannels
}

/// Scratch floats one call of `convFewChannelsRows` needs: kh padded input rows.
func fewChannelsScratchCount(_ g: ConvGeometry) -> Int { g.kernelHeight &* fewChannelsRowLength(g) }

/// Output rows `rows` (indices into batch · outputHeight) of a convolution with `weights` packed by
/// `packFewChannelsWeights`; contract otherwise as `conv2DReference`. Fusable activations are applied
/// in the store, others afterwards. Allocation-free; `scratch` holds `fewChannelsScratchCount(g)` floats.
func convFewChannelsRows(_ g: ConvGeometry, input: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                         bias: UnsafePointer<Float>?, activation: Activation,
                         output: UnsafeMutablePointer<Float>, rows: Range<Int>, scratch: UnsafeMutablePointer<Float>) {
    let cin = g.inputChannels, cout = g.outputChannels, ow = g.outputWidth
    let rowLength = fewChannelsRowLength(g), padded = fewChannelsPaddedOutputs(g)
    let pixelStep = g.strideWidth &* cin
    let fused = activation.isFusable ? activation : .linear
    for row in rows {
        let n = row / g.outputHeight, oy = row &- n &* g.outputHeight
        let image = input + n &* (g.inputHeight &* g.inputWidth &* cin)
        // The kh input rows this output row reads, each with its left and right padding.
        for ky in 0..<g.kernelHeight {
            let copy = scratch + ky &* rowLength
            let iy = oy &* g.strideHeight &- g.padTop &+ ky &* g.dilationHeight
            copy.initialize(repeating: 0, count: rowLength)
            guard iy >= 0 && iy < g.inputHeight else { continue }
            let first = max(0, g.padLeft), last = min(rowLength / cin, g.padLeft &+ g.inputWidth)  // padded columns inside the image
            if first < last {
                (copy + first &* cin).update(from: image + (iy &* g.inputWidth &+ first &- g.padLeft) &* cin,
                                             count: (last &- first) &* cin)
            }
        }
        let out = output + row &* ow &* cout
        var cb = 0
        while cb < cout {
            let columns = min(32, cout &- cb)
            if ow >= 8 {
                var ox = 0
                while ox < ow {
                    let start = min(ox, ow &- 8)  // the last tile overlaps the one before: same values written twice
                    fewChannelsTile8(g, scratch + start &* pixelStep, rowLength, weights + cb, padded,
                                     bias.map { $0 + cb }, fused, out + (start &* cout &+ cb), cout, columns)
                    ox &+= 8
                }
            } else {
                for ox in 0..<ow {
                    fewChannelsTile1(g, scratch + ox &* pixelStep, rowLength, weights + cb, padded,
                                     bias.map { $0 + cb }, fused, out + (ox &* cout &+ cb), columns)
                }
            }
            cb &+= 32
        }
        if !activation.isFusable { applyActivation(activation, out, out, count: ow &* cout) }
    }
}

/// Eight neighbouring output pixels × up to 32 channels. `x` is the first pixel's window in the
/// padded rows (row stride `rowLength`); `w` the tile's first column of the packed weights.
@inline(__always)
private func fewChannelsTile8(_ g: ConvGeometry, _ x: UnsafePointer<Float>, _ rowLength: Int,
                              _ w: UnsafePointer<Float>, _ ldw: Int, _ bias: UnsafePointer<Float>?, _ activation: Activation,
                              _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ columns: Int) {
    let edge = columns &- 16
    var b0 = SIMD16<Float>(), b1 = SIMD16<Float>()
    if let bias { b0 = gemmLoadColumns(bias, columns); b1 = gemmLoadColumns(bias + 16, edge) }
    var c00 = b0, c01 = b1, c10 = b0, c11 = b1, c20 = b0, c21 = b1, c30 = b0, c31 = b1
    var c40 = b0, c41 = b1, c50 = b0, c51 = b1, c60 = b0, c61 = b1, c70 = b0, c71 = b1
    let cin = g.inputChannels, step = g.strideWidth &* cin
    // Without dilation a kernel row's kw·Cin taps are contiguous: one loop instead of two.
    let (runs, run, runStep) = g.dilationWidth == 1 ? (1, g.kernelWidth &* cin, 0) : (g.kernelWidth, cin, g.dilationWidth &* cin)
    var wp = w
    for ky in 0..<g.kernelHeight {
        var xp = x + ky &* rowLength
        for _ in 0..<runs {
            for j in 0..<run {
                let w0 = load16(wp), w1 = load16(wp + 16)
                let p = xp + j
                var v = SIMD16<Float>(repeating: p[0])
                fmadd(&c00, v, w0); fmadd(&c01, v, w1)
                v = SIMD16<Float>(repeating: p[step])
                fmadd(&c10, v, w0); fmadd(&c11, v, w1)
                v = SIMD16<Float>(repeating: p[2 &* step])
                fmadd(&c20, v, w0); fmadd(&c21, v, w1)
                v = SIMD16<Float>(repeating: p[3 &* step])
                fmadd(&c30, v, w0); fmadd(&c31, v, w1)
                v = SIMD16<Float>(repeating: p[4 &* step])
                fmadd(&c40, v, w0); fmadd(&c41, v, w1)
                v = SIMD16<Float>(repeating: p[5 &* step])
                fmadd(&c50, v, w0); fmadd(&c51, v, w1)
                v = SIMD16<Float>(repeating: p[6 &* step])
                fmadd(&c60, v, w0); fmadd(&c61, v, w1)
                v = SIMD16<Float>(repeating: p[7 &* step])
                fmadd(&c70, v, w0); fmadd(&c71, v, w1)
                wp += ldw
            }
            xp += runStep
        }
    }
    fewChannelsStore(c, activation, c00, c01, columns)
    fewChannelsStore(c + ldc, activation, c10, c11, columns)
    fewChannelsStore(c + 2 &* ldc, activation, c20, c21, columns)
    fewChannelsStore(c + 3 &* ldc, activation, c30, c31, columns)
    fewChannelsStore(c + 4 &* ldc, activation, c40, c41, columns)
    fewChannelsStore(c + 5 &* ldc, activation, c50, c51, columns)
    fewChannelsStore(c + 6 &* ldc, activation, c60, c61, columns)
    fewChannelsStore(c + 7 &* ldc, activation, c70, c71, columns)
}

/// One output pixel × up to 32 channels, for rows narrower than a tile.
private func fewChannelsTile1(_ g: ConvGeometry, _ x: UnsafePointer<Float>, _ rowLength: Int,
                              _ w: UnsafePointer<Float>, _ ldw: Int, _ bias: UnsafePointer<Float>?, _ activation: Activation,
                              _ c: UnsafeMutablePointer<Float>, _ columns: Int) {
    var c0 = SIMD16<Float>(), c1 = SIMD16<Float>()
    if let bias { c0 = gemmLoadColumns(bias, columns); c1 = gemmLoadColumns(bias + 16, columns &- 16) }
    let cin = g.inputChannels, tapStep = g.dilationWidth &* cin
    var wp = w
    for ky in 0..<g.kernelHeight {
        var xp = x + ky &* rowLength
        for _ in 0..<g.kernelWidth {
            for ci in 0..<cin {
                let v = SIMD16<Float>(repeating: xp[ci])
                fmadd(&c0, v, load16(wp)); fmadd(&c1, v, load16(wp + 16))
                wp += ldw
            }
            xp += tapStep
        }
    }
    fewChannelsStore(c, activation, c0, c1, columns)
}

@inline(__always)
private func fewChannelsStore(_ c: UnsafeMutablePointer<Float>, _ activation: Activation,
                              _ v0: SIMD16<Float>, _ v1: SIMD16<Float>, _ columns: Int) {
    gemmStoreColumns(c, activation.apply(v0), columns)
    gemmStoreColumns(c + 16, activation.apply(v1), columns &- 16)
}

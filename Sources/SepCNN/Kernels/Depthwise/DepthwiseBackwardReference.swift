/// The gradient of a depthwise convolution's input (before bias and activation), the plain
/// reference for `depthwiseConv2DBackwardInput`. A transposed depthwise convolution: every output
/// gradient flows back to the input pixels its window read, weighted by the same taps:
///
///     gradInput[n, iy, ix, c] = Σ_{oy,ox,ky,kx,m : iy = oy·sh − padTop + ky·dh, ix = …}
///                                   gradOutput[n, oy, ox, c·M + m] · w[ky, kx, c, m]
///
/// `gradOutput` is the gradient of the linear output (multiply by the activation's derivative
/// first). Overwrites all of `gradInput` (`g.inputCount` floats).
func depthwiseConv2DBackwardInputReference(_ g: ConvGeometry,
                                           gradOutput: UnsafePointer<Float>,
                                           weights: UnsafePointer<Float>,
                                           gradInput: UnsafeMutablePointer<Float>) {
    let channels = g.inputChannels, outChannels = g.outputChannels
    let multiplier = outChannels / channels
    gradInput.initialize(repeating: 0, count: g.inputCount)
    forEachDepthwiseTap(g) { out, pixel, tap in
        for o in 0..<outChannels {
            gradInput[pixel &+ o / multiplier] += gradOutput[out &+ o] * weights[tap &+ o]
        }
    }
}

/// The gradients of a depthwise convolution's weights `[kh, kw, C, M]` and bias `[C·M]`, the plain
/// reference for `depthwiseConv2DBackwardWeights`:
///
///     gradWeights[ky, kx, c, m] = Σ_{n,oy,ox} gradOutput[n, oy, ox, c·M + m] · in[n, iy, ix, c]
///     gradBias[o] = Σ_{n,oy,ox} gradOutput[n, oy, ox, o]
///
/// Overwrites `gradWeights` (kh·kw·C·M floats) and, when given, `gradBias` (C·M floats).
func depthwiseConv2DBackwardWeightsReference(_ g: ConvGeometry,
                                             input: UnsafePointer<Float>,
                                             gradOutput: UnsafePointer<Float>,
                                             gradWeights: UnsafeMutablePointer<Float>,
                                             gradBias: UnsafeMutablePointer<Float>?) {
    let channels = g.inputChannels, outChannels = g.outputChannels
    let multiplier = outChannels / channels
    gradWeights.initialize(repeating: 0, count: g.kernelHeight &* g.kernelWidth &* outChannels)
    forEachDepthwiseTap(g) { out, pixel, tap in
        for o in 0..<outChannels {
            gradWeights[tap &+ o] += gradOutput[out &+ o] * input[pixel &+ o / multiplier]
        }
    }
    if let gradBias {
        gradBias.initialize(repeating: 0, count: outChannels)
        for p in 0..<(g.batch &* g.outputHeight &* g.outputWidth) {
            for o in 0..<outChannels { gradBias[o] += gradOutput[p &* outChannels &+ o] }
        }
    }
}

/// Calls `body(outputOffset, inputOffset, tapOffset)` for every (output pixel, in-bounds tap) pair
/// of a depthwise convolution: the offsets of the output pixel's channels, of the input pixel's
/// channels and of the tap's `[C·M]` weights.
private func forEachDepthwiseTap(_ g: ConvGeometry, _ body: (Int, Int, Int) -> Void) {
    for n in 0..<g.batch {
        for oy in 0..<g.outputHeight {
            for ox in 0..<g.outputWidth {
                let out = ((n &* g.outputHeight &+ oy) &* g.outputWidth &+ ox) &* g.outputChannels
                for ky in 0..<g.kernelHeight {
                    let iy = oy &* g.strideHeight &- g.padTop &+ ky &* g.dilationHeight
                    if iy < 0 || iy >= g.inputHeight { continue }
                    for kx in 0..<g.kernelWidth {
                        let ix = ox &* g.strideWidth &- g.padLeft &+ kx &* g.dilationWidth
                        if ix < 0 || ix >= g.inputWidth { continue }
                        let pixel = ((n &* g.inputHeight &+ iy) &* g.inputWidth &+ ix) &* g.inputChannels
                        body(out, pixel, (ky &* g.kernelWidth &+ kx) &* g.outputChannels)
                    }
                }
            }
        }
    }
}

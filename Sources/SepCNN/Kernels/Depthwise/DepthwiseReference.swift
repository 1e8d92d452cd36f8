/// Depthwise convolution, the plain reference every fast depthwise kernel is tested against.
///
/// Weights are `[kernelHeight, kernelWidth, C, multiplier]` (the Keras/TFLite order); input channel c
/// produces output channels `c·multiplier ..< (c+1)·multiplier`:
///
///     out[n, oy, ox, c·M + m] = act(bias[c·M + m] + Σ_{ky,kx} in[n, iy, ix, c] · w[ky, kx, c, m])
///     with iy = oy·sh − padTop + ky·dh, ix = ox·sw − padLeft + kx·dw  (zero outside the input)
///
/// `g.groups` must equal `g.inputChannels` and `g.outputChannels` = C · multiplier.
func depthwiseConv2DReference(_ g: ConvGeometry,
                              input: UnsafePointer<Float>,
                              weights: UnsafePointer<Float>,
                              bias: UnsafePointer<Float>?,
                              activation: Activation,
                              output: UnsafeMutablePointer<Float>) {
    let channels = g.inputChannels
    let multiplier = g.outputChannels / channels
    let outChannels = g.outputChannels
    output.initialize(repeating: 0, count: g.outputCount)
    for n in 0..<g.batch {
        let image = input + n &* (g.inputHeight &* g.inputWidth &* channels)
        for oy in 0..<g.outputHeight {
            for ox in 0..<g.outputWidth {
                let out = output + ((n &* g.outputHeight &+ oy) &* g.outputWidth &+ ox) &* outChannels
                for ky in 0..<g.kernelHeight {
                    let iy = oy &* g.strideHeight &- g.padTop &+ ky &* g.dilationHeight
                    if iy < 0 || iy >= g.inputHeight { continue }
                    for kx in 0..<g.kernelWidth {
                        let ix = ox &* g.strideWidth &- g.padLeft &+ kx &* g.dilationWidth
                        if ix < 0 || ix >= g.inputWidth { continue }
                        let pixel = image + (iy &* g.inputWidth &+ ix) &* channels
                        let tap = weights + (ky &* g.kernelWidth &+ kx) &* outChannels
                        // With the [kh, kw, C, M] layout, output channel o = c·M + m reads tap[o]
                        // and input channel o / M.
                        if multiplier == 1 {
                            for c in 0..<channels { out[c] += pixel[c] * tap[c] }
                        } else {
                            for o in 0..<outChannels { out[o] += pixel[o / multiplier] * tap[o] }
                        }
                    }
                }
            }
        }
    }
    applyBiasAndActivation(output, rows: g.batch &* g.outputHeight &* g.outputWidth, channels: outChannels,
                           bias: bias, activation: activation)
}

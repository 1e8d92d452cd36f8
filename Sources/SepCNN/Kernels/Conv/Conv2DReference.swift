/// Standard (optionally grouped) convolution, the plain reference for every standard-conv path.
///
/// Weights are `[kernelHeight, kernelWidth, Cin/groups, Cout]` (the Keras order). Output channel o
/// belongs to group `o / (Cout/groups)` and reads that group's input channels:
///
///     out[n, oy, ox, o] = act(bias[o] + Σ_{ky,kx,ci} in[n, iy, ix, g·Cin/groups + ci] · w[ky, kx, ci, o])
func conv2DReference(_ g: ConvGeometry,
                     input: UnsafePointer<Float>,
                     weights: UnsafePointer<Float>,
                     bias: UnsafePointer<Float>?,
                     activation: Activation,
                     output: UnsafeMutablePointer<Float>) {
    let inPerGroup = g.inputChannelsPerGroup, outPerGroup = g.outputChannelsPerGroup
    let outChannels = g.outputChannels
    output.initialize(repeating: 0, count: g.outputCount)
    for n in 0..<g.batch {
        let image = input + n &* (g.inputHeight &* g.inputWidth &* g.inputChannels)
        for oy in 0..<g.outputHeight {
            for ox in 0..<g.outputWidth {
                let out = output + ((n &* g.outputHeight &+ oy) &* g.outputWidth &+ ox) &* outChannels
                for ky in 0..<g.kernelHeight {
                    let iy = oy &* g.strideHeight &- g.padTop &+ ky &* g.dilationHeight
                    if iy < 0 || iy >= g.inputHeight { continue }
                    for kx in 0..<g.kernelWidth {
                        let ix = ox &* g.strideWidth &- g.padLeft &+ kx &* g.dilationWidth
                        if ix < 0 || ix >= g.inputWidth { continue }
                        let pixel = image + (iy &* g.inputWidth &+ ix) &* g.inputChannels
                        let tap = weights + (ky &* g.kernelWidth &+ kx) &* inPerGroup &* outChannels
                        for group in 0..<g.groups {
                            let groupOut = out + group &* outPerGroup
                            for ci in 0..<inPerGroup {
                                let x = pixel[group &* inPerGroup &+ ci]
                                let w = tap + (ci &* outChannels &+ group &* outPerGroup)
                                for co in 0..<outPerGroup { groupOut[co] += x * w[co] }
                            }
                        }
                    }
                }
            }
        }
    }
    applyBiasAndActivation(output, rows: g.batch &* g.outputHeight &* g.outputWidth, channels: outChannels,
                           bias: bias, activation: activation)
}

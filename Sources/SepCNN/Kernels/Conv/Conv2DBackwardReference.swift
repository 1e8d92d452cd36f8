/// The gradients of a standard (optionally grouped) convolution `conv2DReference` without its
/// activation, the plain reference for the im2col + GEMM backward pass:
///
///     gradInput[n, iy, ix, g·Cin/groups + ci] = Σ gradOutput[n, oy, ox, o] · w[ky, kx, ci, o]
///     gradWeights[ky, kx, ci, o] = Σ_{n,oy,ox} gradOutput[n, oy, ox, o] · in[n, iy, ix, g·Cin/groups + ci]
///     gradBias[o] = Σ_{n,oy,ox} gradOutput[n, oy, ox, o]
///
/// over the in-bounds (iy, ix) of each window, o ranging over group g's outputs. Overwrites
/// `gradInput` (`g.inputCount`), `gradWeights` (kh·kw·Cin/groups·Cout) and `gradBias` (Cout, when given).
func conv2DBackwardReference(_ g: ConvGeometry, input: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                             gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>,
                             gradWeights: UnsafeMutablePointer<Float>, gradBias: UnsafeMutablePointer<Float>?) {
    let inPerGroup = g.inputChannelsPerGroup, outPerGroup = g.outputChannelsPerGroup
    let outChannels = g.outputChannels
    gradInput.initialize(repeating: 0, count: g.inputCount)
    gradWeights.initialize(repeating: 0, count: g.kernelHeight &* g.kernelWidth &* inPerGroup &* outChannels)
    gradBias?.initialize(repeating: 0, count: outChannels)
    for n in 0..<g.batch {
        for oy in 0..<g.outputHeight {
            for ox in 0..<g.outputWidth {
                let dy = gradOutput + ((n &* g.outputHeight &+ oy) &* g.outputWidth &+ ox) &* outChannels
                if let gradBias { for o in 0..<outChannels { gradBias[o] += dy[o] } }
                for ky in 0..<g.kernelHeight {
                    let iy = oy &* g.strideHeight &- g.padTop &+ ky &* g.dilationHeight
                    if iy < 0 || iy >= g.inputHeight { continue }
                    for kx in 0..<g.kernelWidth {
                        let ix = ox &* g.strideWidth &- g.padLeft &+ kx &* g.dilationWidth
                        if ix < 0 || ix >= g.inputWidth { continue }
                        let pixel = ((n &* g.inputHeight &+ iy) &* g.inputWidth &+ ix) &* g.inputChannels
                        let tap = (ky &* g.kernelWidth &+ kx) &* inPerGroup &* outChannels
                        for group in 0..<g.groups {
                            for ci in 0..<inPerGroup {
                                let at = pixel &+ group &* inPerGroup &+ ci
                                let row = tap &+ ci &* outChannels &+ group &* outPerGroup
                                var sum: Float = 0
                                for co in 0..<outPerGroup {
                                    sum += dy[group &* outPerGroup &+ co] * weights[row &+ co]
                                    gradWeights[row &+ co] += dy[group &* outPerGroup &+ co] * input[at]
                                }
                                gradInput[at] += sum
                            }
                        }
                    }
                }
            }
        }
    }
}

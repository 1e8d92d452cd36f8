/// int8 depthwise convolution, the plain reference every qs8 depthwise kernel is tested against.
///
/// Weights are `[kernelHeight, kernelWidth, C, multiplier]` as in float (`depthwiseConv2DReference`);
/// output channel o = c·M + m reads input channel c. With `bias` the int32 bias at scale s_in · s_w[o]:
///
///     acc[n, oy, ox, o] = bias[o] + Σ_{ky,kx} (in[n, iy, ix, o / M] − inputZeroPoint) · w[ky, kx, o]
///     out[n, oy, ox, o] = qs8Requantize(acc, multipliers[o], clamp)
///
/// with iy, ix as in float; taps outside the input add nothing (padding holds the zero point).
func qs8DepthwiseReference(_ g: ConvGeometry, input: UnsafePointer<Int8>, inputZeroPoint: Int8,
                           weights: UnsafePointer<Int8>, bias: UnsafePointer<Int32>, multipliers: UnsafePointer<Float>,
                           clamp: QS8OutputClamp, output: UnsafeMutablePointer<Int8>) {
    let multiplier = g.outputChannels / g.inputChannels, outChannels = g.outputChannels
    let z = Int32(inputZeroPoint)
    for n in 0..<g.batch {
        let image = input + n &* (g.inputHeight &* g.inputWidth &* g.inputChannels)
        for oy in 0..<g.outputHeight {
            for ox in 0..<g.outputWidth {
                let out = output + ((n &* g.outputHeight &+ oy) &* g.outputWidth &+ ox) &* outChannels
                for o in 0..<outChannels {
                    var acc = bias[o]
                    for ky in 0..<g.kernelHeight {
                        let iy = oy &* g.strideHeight &- g.padTop &+ ky &* g.dilationHeight
                        if iy < 0 || iy >= g.inputHeight { continue }
                        for kx in 0..<g.kernelWidth {
                            let ix = ox &* g.strideWidth &- g.padLeft &+ kx &* g.dilationWidth
                            if ix < 0 || ix >= g.inputWidth { continue }
                            let x = Int32(image[(iy &* g.inputWidth &+ ix) &* g.inputChannels &+ o / multiplier])
                            acc &+= (x &- z) &* Int32(weights[(ky &* g.kernelWidth &+ kx) &* outChannels &+ o])
                        }
                    }
                    out[o] = qs8Requantize(acc, multipliers[o], clamp)
                }
            }
        }
    }
}

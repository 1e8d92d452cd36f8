/// int8 standard (optionally grouped) convolution, the plain reference for every qs8 convolution path.
///
/// Weights are `[kernelHeight, kernelWidth, Cin/groups, Cout]` as in float (`conv2DReference`). With
/// `bias` the int32 bias at scale s_in · s_w[o]:
///
///     acc[n, oy, ox, o] = bias[o] + Σ_{ky,kx,ci} (in[n, iy, ix, g·Cin/groups + ci] − inputZeroPoint) · w[ky, kx, ci, o]
///     out[n, oy, ox, o] = qs8Requantize(acc, multipliers[o], clamp)
///
/// Taps outside the input add nothing (padding holds the zero point).
func qs8Conv2DReference(_ g: ConvGeometry, input: UnsafePointer<Int8>, inputZeroPoint: Int8,
                        weights: UnsafePointer<Int8>, bias: UnsafePointer<Int32>, multipliers: UnsafePointer<Float>,
                        clamp: QS8OutputClamp, output: UnsafeMutablePointer<Int8>) {
    let inPerGroup = g.inputChannelsPerGroup, outPerGroup = g.outputChannelsPerGroup, cout = g.outputChannels
    let z = Int32(inputZeroPoint)
    for n in 0..<g.batch {
        let image = input + n &* (g.inputHeight &* g.inputWidth &* g.inputChannels)
        for oy in 0..<g.outputHeight {
            for ox in 0..<g.outputWidth {
                let out = output + ((n &* g.outputHeight &+ oy) &* g.outputWidth &+ ox) &* cout
                for o in 0..<cout {
                    let group = o / outPerGroup
                    var acc = bias[o]
                    for ky in 0..<g.kernelHeight {
                        let iy = oy &* g.strideHeight &- g.padTop &+ ky &* g.dilationHeight
                        if iy < 0 || iy >= g.inputHeight { continue }
                        for kx in 0..<g.kernelWidth {
                            let ix = ox &* g.strideWidth &- g.padLeft &+ kx &* g.dilationWidth
                            if ix < 0 || ix >= g.inputWidth { continue }
                            let pixel = image + ((iy &* g.inputWidth &+ ix) &* g.inputChannels &+ group &* inPerGroup)
                            let tap = weights + ((ky &* g.kernelWidth &+ kx) &* inPerGroup &* cout &+ o)
                            for ci in 0..<inPerGroup { acc &+= (Int32(pixel[ci]) &- z) &* Int32(tap[ci &* cout]) }
                        }
                    }
                    out[o] = qs8Requantize(acc, multipliers[o], clamp)
                }
            }
        }
    }
}

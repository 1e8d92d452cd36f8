/// Same result as `maxPool2DReference`, 16 channels at a time (scalar tail), for images `images`.
/// The window of each output is clipped to the input once, so the inner loops have no bounds tests.
/// Training runs it on every step's largest activations, where the reference's per-channel loop showed.
func maxPool2D(_ g: ConvGeometry, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, images: Range<Int>) {
    let channels = g.inputChannels
    let imageIn = g.inputHeight &* g.inputWidth &* channels
    for n in images {
        let image = input + n &* imageIn
        for oy in 0..<g.outputHeight {
            let y0 = max(0, oy &* g.strideHeight &- g.padTop)
            let y1 = min(g.inputHeight, oy &* g.strideHeight &- g.padTop &+ g.kernelHeight)
            for ox in 0..<g.outputWidth {
                let x0 = max(0, ox &* g.strideWidth &- g.padLeft)
                let x1 = min(g.inputWidth, ox &* g.strideWidth &- g.padLeft &+ g.kernelWidth)
                let out = output + ((n &* g.outputHeight &+ oy) &* g.outputWidth &+ ox) &* channels
                var c = 0
                while c &+ 16 <= channels {
                    var largest = SIMD16<Float>(repeating: -.infinity)
                    for iy in y0..<max(y0, y1) {
                        for ix in x0..<max(x0, x1) {
                            // As Swift's max(largest, v): v replaces only when v ≥ largest (a NaN never does).
                            let v = load16(image + ((iy &* g.inputWidth &+ ix) &* channels &+ c))
                            largest = largest.replacing(with: v, where: v .>= largest)
                        }
                    }
                    store16(out + c, largest)
                    c &+= 16
                }
                while c < channels {
                    var largest = -Float.infinity
                    for iy in y0..<max(y0, y1) {
                        for ix in x0..<max(x0, x1) { largest = max(largest, image[(iy &* g.inputWidth &+ ix) &* channels &+ c]) }
                    }
                    out[c] = largest
                    c &+= 1
                }
            }
        }
    }
}

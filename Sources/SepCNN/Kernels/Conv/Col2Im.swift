/// The adjoint of `im2col`: adds each row of `columns` (one output pixel's receptive field of one
/// channel group, ordered (ky, kx, ci)) back onto the input pixels it was read from; padding
/// positions are dropped. `gradInput` must be zeroed by the caller before the first group.
/// Row i of `columns` belongs to pixel `pixels.lowerBound + i`.
func col2im(_ g: ConvGeometry, group: Int, pixels: Range<Int>, columns: UnsafePointer<Float>,
            gradInput: UnsafeMutablePointer<Float>) {
    let inPerGroup = g.inputChannelsPerGroup
    let imagePixels = g.outputHeight &* g.outputWidth
    var slot = columns
    for pixel in pixels {
        let n = pixel / imagePixels, within = pixel &- n &* imagePixels
        let oy = within / g.outputWidth, ox = within &- oy &* g.outputWidth
        let image = gradInput + (n &* (g.inputHeight &* g.inputWidth &* g.inputChannels) &+ group &* inPerGroup)
        for ky in 0..<g.kernelHeight {
            let iy = oy &* g.strideHeight &- g.padTop &+ ky &* g.dilationHeight
            for kx in 0..<g.kernelWidth {
                let ix = ox &* g.strideWidth &- g.padLeft &+ kx &* g.dilationWidth
                if iy >= 0 && iy < g.inputHeight && ix >= 0 && ix < g.inputWidth {
                    addInPlace(image + (iy &* g.inputWidth &+ ix) &* g.inputChannels, slot, count: inPerGroup)
                }
                slot += inPerGroup
            }
        }
    }
}

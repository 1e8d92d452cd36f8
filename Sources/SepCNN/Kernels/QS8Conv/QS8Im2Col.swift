/// Unfolds the receptive fields of one channel group into int8 rows for `qs8GEMMPacked`, as `im2col`
/// does for float: for each output pixel in `pixels` (indices into batch · outputHeight · outputWidth),
/// one row of `kh·kw·Cin/groups` values ordered (ky, kx, ci) to match the weights, then `rowStride`
/// − that many filler bytes (the GEMM's weights there are zero). Padding is the input zero point, so
/// it contributes (z − z) · w = 0 once the folded bias is added.
func qs8Im2col(_ g: ConvGeometry, group: Int, pixels: Range<Int>, input: UnsafePointer<Int8>, zeroPoint: Int8,
               columns: UnsafeMutablePointer<Int8>, rowStride: Int) {
    let inPerGroup = g.inputChannelsPerGroup, depth = g.kernelHeight &* g.kernelWidth &* inPerGroup
    let imagePixels = g.outputHeight &* g.outputWidth
    for (i, pixel) in pixels.enumerated() {
        var slot = columns + i &* rowStride
        let n = pixel / imagePixels, within = pixel &- n &* imagePixels
        let oy = within / g.outputWidth, ox = within &- oy &* g.outputWidth
        let image = input + (n &* (g.inputHeight &* g.inputWidth &* g.inputChannels) &+ group &* inPerGroup)
        let ix0 = ox &* g.strideWidth &- g.padLeft
        // One group and no horizontal dilation: a kernel row inside the image is one run of kw·C bytes.
        let rowIsContiguous = g.groups == 1 && g.dilationWidth == 1 && ix0 >= 0 && ix0 &+ g.kernelWidth <= g.inputWidth
        for ky in 0..<g.kernelHeight {
            let iy = oy &* g.strideHeight &- g.padTop &+ ky &* g.dilationHeight
            if rowIsContiguous && iy >= 0 && iy < g.inputHeight {
                let run = g.kernelWidth &* inPerGroup
                slot.update(from: image + (iy &* g.inputWidth &+ ix0) &* g.inputChannels, count: run)
                slot += run
                continue
            }
            for kx in 0..<g.kernelWidth {
                let ix = ox &* g.strideWidth &- g.padLeft &+ kx &* g.dilationWidth
                if iy < 0 || iy >= g.inputHeight || ix < 0 || ix >= g.inputWidth {
                    slot.update(repeating: zeroPoint, count: inPerGroup)
                } else {
                    slot.update(from: image + (iy &* g.inputWidth &+ ix) &* g.inputChannels, count: inPerGroup)
                }
                slot += inPerGroup
            }
        }
        if rowStride > depth { slot.update(repeating: zeroPoint, count: rowStride &- depth) }
    }
}

/// The im2col row length the qs8 convolution uses: the depth rounded up to whole 4-byte k groups, so
/// every vpdpbusd operand is one aligned broadcast (the stem's depth of 27 becomes 28).
func qs8Im2colRowStride(_ g: ConvGeometry) -> Int { (g.kernelHeight &* g.kernelWidth &* g.inputChannelsPerGroup &+ 3) & ~3 }

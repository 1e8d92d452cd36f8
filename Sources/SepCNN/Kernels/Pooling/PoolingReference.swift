/// Max pooling over NHWC. Uses the kernel, stride and padding fields of `g` (groups and dilation
/// are ignored; input and output channel counts are equal). Padding never wins: a window is
/// the maximum of its in-bounds elements, as in PyTorch and TensorFlow.
func maxPool2DReference(_ g: ConvGeometry, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
    let channels = g.inputChannels
    for n in 0..<g.batch {
        let image = input + n &* (g.inputHeight &* g.inputWidth &* channels)
        for oy in 0..<g.outputHeight {
            for ox in 0..<g.outputWidth {
                let out = output + ((n &* g.outputHeight &+ oy) &* g.outputWidth &+ ox) &* channels
                out.initialize(repeating: -.infinity, count: channels)
                for ky in 0..<g.kernelHeight {
                    let iy = oy &* g.strideHeight &- g.padTop &+ ky
                    if iy < 0 || iy >= g.inputHeight { continue }
                    for kx in 0..<g.kernelWidth {
                        let ix = ox &* g.strideWidth &- g.padLeft &+ kx
                        if ix < 0 || ix >= g.inputWidth { continue }
                        let pixel = image + (iy &* g.inputWidth &+ ix) &* channels
                        for c in 0..<channels { out[c] = max(out[c], pixel[c]) }
                    }
                }
            }
        }
    }
}

/// Average pooling over NHWC. With `countIncludesPadding` the divisor is the full window
/// (PyTorch's default `count_include_pad=True`); without it, only the in-bounds elements
/// (TensorFlow/Keras and ONNX's default).
func avgPool2DReference(_ g: ConvGeometry, countIncludesPadding: Bool,
                        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
    let channels = g.inputChannels
    for n in 0..<g.batch {
        let image = input + n &* (g.inputHeight &* g.inputWidth &* channels)
        for oy in 0..<g.outputHeight {
            for ox in 0..<g.outputWidth {
                let out = output + ((n &* g.outputHeight &+ oy) &* g.outputWidth &+ ox) &* channels
                out.initialize(repeating: 0, count: channels)
                var inBounds = 0
                for ky in 0..<g.kernelHeight {
                    let iy = oy &* g.strideHeight &- g.padTop &+ ky
                    if iy < 0 || iy >= g.inputHeight { continue }
                    for kx in 0..<g.kernelWidth {
                        let ix = ox &* g.strideWidth &- g.padLeft &+ kx
                        if ix < 0 || ix >= g.inputWidth { continue }
                        let pixel = image + (iy &* g.inputWidth &+ ix) &* channels
                        for c in 0..<channels { out[c] += pixel[c] }
                        inBounds &+= 1
                    }
                }
                let divisor = countIncludesPadding ? g.kernelHeight &* g.kernelWidth : max(inBounds, 1)
                let scale = 1 / Float(divisor)
                for c in 0..<channels { out[c] *= scale }
            }
        }
    }
}

/// Mean over all pixels of each image: `[batch, pixels, channels]` → `[batch, channels]`. With
/// `rowStride`, the channels are a slice of rows `rowStride` floats apart, in and out.
func globalAvgPoolReference(batch: Int, pixels: Int, channels: Int, rowStride: Int? = nil,
                            input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
    let stride = rowStride ?? channels
    let scale = 1 / Float(max(pixels, 1))
    for n in 0..<batch {
        let out = output + n &* stride
        out.initialize(repeating: 0, count: channels)
        var pixel = input + n &* pixels &* stride
        for _ in 0..<pixels {
            for c in 0..<channels { out[c] += pixel[c] }
            pixel += stride
        }
        for c in 0..<channels { out[c] *= scale }
    }
}

/// The input gradient of max pooling (`maxPool2DReference`), the plain reference for
/// `maxPool2DBackward`: each output's gradient goes to the element its window chose, the first
/// maximum in row-major window order as in PyTorch; windows that overlap add.
/// Overwrites `gradInput` (`g.inputCount` floats) for images `images` only.
func maxPool2DBackwardReference(_ g: ConvGeometry, input: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                                gradInput: UnsafeMutablePointer<Float>, images: Range<Int>) {
    let channels = g.inputChannels
    let imageIn = g.inputHeight &* g.inputWidth &* channels
    for n in images {
        let image = input + n &* imageIn, gradImage = gradInput + n &* imageIn
        gradImage.initialize(repeating: 0, count: imageIn)
        for oy in 0..<g.outputHeight {
            let y0 = max(0, oy &* g.strideHeight &- g.padTop)
            let y1 = min(g.inputHeight, oy &* g.strideHeight &- g.padTop &+ g.kernelHeight)
            for ox in 0..<g.outputWidth {
                let x0 = max(0, ox &* g.strideWidth &- g.padLeft)
                let x1 = min(g.inputWidth, ox &* g.strideWidth &- g.padLeft &+ g.kernelWidth)
                if y0 >= y1 || x0 >= x1 { continue }
                let dy = gradOutput + ((n &* g.outputHeight &+ oy) &* g.outputWidth &+ ox) &* channels
                for c in 0..<channels {
                    var best = (y0 &* g.inputWidth &+ x0) &* channels &+ c
                    var largest = image[best]
                    for iy in y0..<y1 {
                        for ix in x0..<x1 {
                            let at = (iy &* g.inputWidth &+ ix) &* channels &+ c
                            if image[at] > largest { largest = image[at]; best = at }
                        }
                    }
                    gradImage[best] += dy[c]
                }
            }
        }
    }
}

/// The input gradient of average pooling (`avgPool2DReference`): each output's gradient, divided by
/// the same divisor as the forward pass, spreads over its window's in-bounds elements.
/// Overwrites `gradInput` (`g.inputCount` floats).
func avgPool2DBackward(_ g: ConvGeometry, countIncludesPadding: Bool, gradOutput: UnsafePointer<Float>,
                       gradInput: UnsafeMutablePointer<Float>) {
    let channels = g.inputChannels
    gradInput.initialize(repeating: 0, count: g.inputCount)
    for n in 0..<g.batch {
        let gradImage = gradInput + n &* (g.inputHeight &* g.inputWidth &* channels)
        for oy in 0..<g.outputHeight {
            let top = oy &* g.strideHeight &- g.padTop
            let y0 = max(0, top), y1 = min(g.inputHeight, top &+ g.kernelHeight)
            for ox in 0..<g.outputWidth {
                let left = ox &* g.strideWidth &- g.padLeft
                let x0 = max(0, left), x1 = min(g.inputWidth, left &+ g.kernelWidth)
                if y0 >= y1 || x0 >= x1 { continue }
                let inBounds = (y1 &- y0) &* (x1 &- x0)
                let scale = 1 / Float(countIncludesPadding ? g.kernelHeight &* g.kernelWidth : inBounds)
                let dy = gradOutput + ((n &* g.outputHeight &+ oy) &* g.outputWidth &+ ox) &* channels
                for iy in y0..<y1 {
                    for ix in x0..<x1 {
                        let dx = gradImage + (iy &* g.inputWidth &+ ix) &* channels
                        for c in 0..<channels { dx[c] += dy[c] * scale }
                    }
                }
            }
        }
    }
}

/// The input gradient of global average pooling: every pixel of image n gets gradOutput[n, c] / pixels.
func globalAvgPoolBackward(batch: Int, pixels: Int, channels: Int,
                           gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>) {
    let scale = 1 / Float(max(pixels, 1))
    for n in 0..<batch {
        let dy = gradOutput + n &* channels
        var dx = gradInput + n &* pixels &* channels
        for _ in 0..<pixels {
            for c in 0..<channels { dx[c] = dy[c] * scale }
            dx += channels
        }
    }
}

/// Same result as `maxPool2DBackwardReference`, 16 channels at a time, given the forward `output`:
/// walking the window in order, the first element equal to its window's maximum takes the gradient.
func maxPool2DBackward(_ g: ConvGeometry, input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                       gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>, images: Range<Int>) {
    let channels = g.inputChannels
    let imageIn = g.inputHeight &* g.inputWidth &* channels
    let zero = SIMD16<Float>()
    for n in images {
        let image = input + n &* imageIn, gradImage = gradInput + n &* imageIn
        gradImage.initialize(repeating: 0, count: imageIn)
        for oy in 0..<g.outputHeight {
            let y0 = max(0, oy &* g.strideHeight &- g.padTop)
            let y1 = min(g.inputHeight, oy &* g.strideHeight &- g.padTop &+ g.kernelHeight)
            for ox in 0..<g.outputWidth {
                let x0 = max(0, ox &* g.strideWidth &- g.padLeft)
                let x1 = min(g.inputWidth, ox &* g.strideWidth &- g.padLeft &+ g.kernelWidth)
                if y0 >= y1 || x0 >= x1 { continue }
                let at = ((n &* g.outputHeight &+ oy) &* g.outputWidth &+ ox) &* channels
                let dy = gradOutput + at, y = output + at
                var c = 0
                while c &+ 16 <= channels {
                    let largest = load16(y + c), gradient = load16(dy + c)
                    var open = SIMDMask<SIMD16<Int32>>(repeating: true)
                    for iy in y0..<y1 {
                        for ix in x0..<x1 {
                            let offset = (iy &* g.inputWidth &+ ix) &* channels &+ c
                            let hit = open .& (load16(image + offset) .== largest)
                            store16(gradImage + offset, load16(gradImage + offset) + zero.replacing(with: gradient, where: hit))
                            open = open .& .!hit
                        }
                    }
                    c &+= 16
                }
                while c < channels {
                    var done = false
                    for iy in y0..<y1 where !done {
                        for ix in x0..<x1 where image[(iy &* g.inputWidth &+ ix) &* channels &+ c] == y[c] {
                            gradImage[(iy &* g.inputWidth &+ ix) &* channels &+ c] += dy[c]
                            done = true
                            break
                        }
                    }
                    c &+= 1
                }
            }
        }
    }
}

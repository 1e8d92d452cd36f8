// int8 pooling in the quantized domain: the output has the input's quantization parameters, so max
// pooling is exact and averaging needs no rescale, only the rounding of a mean.

/// round_even(sum / divisor) exactly, in integers (divisor > 0): the mean of a window of (q − z).
@inline(__always)
func qs8RoundedDivide(_ sum: Int32, _ divisor: Int32) -> Int32 {
    var q = sum / divisor, r = sum &- q &* divisor
    if r < 0 { q &-= 1; r &+= divisor }              // floor division, 0 ≤ r < divisor
    let twice = 2 &* r
    if twice > divisor || (twice == divisor && q & 1 != 0) { q &+= 1 }
    return q
}

/// The average of (q − z) over a window, + z: never outside [−128, 127], as a mean of values in range.
@inline(__always)
func qs8Average(_ sum: Int32, _ divisor: Int32, zeroPoint: Int32) -> Int8 {
    Int8(truncatingIfNeeded: qs8RoundedDivide(sum, divisor) &+ zeroPoint)
}

/// Max pooling over int8 NHWC (kernel, stride, padding fields of g; channels in = out). Padding never
/// wins; a window with no element inside the input gives −128.
func qs8MaxPool2DReference(_ g: ConvGeometry, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>) {
    let channels = g.inputChannels
    for n in 0..<g.batch {
        let image = input + n &* (g.inputHeight &* g.inputWidth &* channels)
        for oy in 0..<g.outputHeight {
            for ox in 0..<g.outputWidth {
                let out = output + ((n &* g.outputHeight &+ oy) &* g.outputWidth &+ ox) &* channels
                for c in 0..<channels {
                    var best = Int8.min
                    for ky in 0..<g.kernelHeight {
                        let iy = oy &* g.strideHeight &- g.padTop &+ ky
                        if iy < 0 || iy >= g.inputHeight { continue }
                        for kx in 0..<g.kernelWidth {
                            let ix = ox &* g.strideWidth &- g.padLeft &+ kx
                            if ix < 0 || ix >= g.inputWidth { continue }
                            best = max(best, image[(iy &* g.inputWidth &+ ix) &* channels &+ c])
                        }
                    }
                    out[c] = best
                }
            }
        }
    }
}

/// Average pooling over int8 NHWC: qs8Average of the window's (q − z). With `countIncludesPadding`
/// the divisor is the whole window (padding then counts as z, i.e. as real 0), else the elements
/// inside the input (at least 1).
func qs8AvgPool2DReference(_ g: ConvGeometry, countIncludesPadding: Bool, zeroPoint: Int8,
                           input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>) {
    let channels = g.inputChannels, z = Int32(zeroPoint)
    for n in 0..<g.batch {
        let image = input + n &* (g.inputHeight &* g.inputWidth &* channels)
        for oy in 0..<g.outputHeight {
            for ox in 0..<g.outputWidth {
                let out = output + ((n &* g.outputHeight &+ oy) &* g.outputWidth &+ ox) &* channels
                for c in 0..<channels {
                    var sum: Int32 = 0, inside: Int32 = 0
                    for ky in 0..<g.kernelHeight {
                        let iy = oy &* g.strideHeight &- g.padTop &+ ky
                        if iy < 0 || iy >= g.inputHeight { continue }
                        for kx in 0..<g.kernelWidth {
                            let ix = ox &* g.strideWidth &- g.padLeft &+ kx
                            if ix < 0 || ix >= g.inputWidth { continue }
                            sum &+= Int32(image[(iy &* g.inputWidth &+ ix) &* channels &+ c]) &- z
                            inside &+= 1
                        }
                    }
                    let divisor = countIncludesPadding ? Int32(g.kernelHeight &* g.kernelWidth) : max(inside, 1)
                    out[c] = qs8Average(sum, divisor, zeroPoint: z)
                }
            }
        }
    }
}

/// Mean over all pixels of each image, int8: `[batch, pixels, channels]` → `[batch, channels]`.
func qs8GlobalAvgPoolReference(batch: Int, pixels: Int, channels: Int, zeroPoint: Int8,
                               input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>) {
    let z = Int32(zeroPoint)
    for n in 0..<batch {
        for c in 0..<channels {
            var sum: Int32 = 0
            for p in 0..<pixels { sum &+= Int32(input[(n &* pixels &+ p) &* channels &+ c]) &- z }
            output[n &* channels &+ c] = qs8Average(sum, Int32(max(pixels, 1)), zeroPoint: z)
        }
    }
}

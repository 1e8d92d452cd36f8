// Backward kernels of depthwise convolution, general in stride, padding, dilation and multiplier.
// Both walk output rows and, per tap, the run of output columns whose input column is inside the
// image, so no per-element bounds test remains in the inner loops. Channels go 16 lanes at a time
// with a scalar tail; multiplier > 1 (rare: MobileNets use 1) takes a scalar path.

/// The output columns `ox` for which tap column `kx` reads an in-bounds input column, and the first
/// such input column: ix = ox·sw − padLeft + kx·dw ∈ [0, inputWidth).
@inline(__always)
func depthwiseColumnRun(_ g: ConvGeometry, kx: Int) -> (columns: Range<Int>, firstInputColumn: Int) {
    let shift = g.padLeft &- kx &* g.dilationWidth            // ix = ox·sw − shift
    let first = shift <= 0 ? 0 : (shift &+ g.strideWidth &- 1) / g.strideWidth
    let lastNumerator = g.inputWidth &- 1 &+ shift
    let end = lastNumerator < 0 ? 0 : min(g.outputWidth, lastNumerator / g.strideWidth &+ 1)
    return (first ..< max(first, end), first &* g.strideWidth &- shift)
}

/// Same result as `depthwiseConv2DBackwardInputReference`, for images `images` only: overwrites
/// those images' `gradInput` and nothing else. Allocation-free; thread-safe for disjoint image ranges.
func depthwiseConv2DBackwardInput(_ g: ConvGeometry, gradOutput: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                                  gradInput: UnsafeMutablePointer<Float>, images: Range<Int>) {
    let channels = g.inputChannels, outChannels = g.outputChannels
    let multiplier = outChannels / channels
    let imageIn = g.inputHeight &* g.inputWidth &* channels
    let inputStep = g.strideWidth &* channels
    for n in images {
        let image = gradInput + n &* imageIn
        image.initialize(repeating: 0, count: imageIn)
        for oy in 0..<g.outputHeight {
            let dyRow = gradOutput + (n &* g.outputHeight &+ oy) &* g.outputWidth &* outChannels
            for ky in 0..<g.kernelHeight {
                let iy = oy &* g.strideHeight &- g.padTop &+ ky &* g.dilationHeight
                if iy < 0 || iy >= g.inputHeight { continue }
                let dxRow = image + iy &* g.inputWidth &* channels
                for kx in 0..<g.kernelWidth {
                    let (columns, ix0) = depthwiseColumnRun(g, kx: kx)
                    if columns.isEmpty { continue }
                    let tap = weights + (ky &* g.kernelWidth &+ kx) &* outChannels
                    let dy0 = dyRow + columns.lowerBound &* outChannels, dx0 = dxRow + ix0 &* channels
                    if multiplier != 1 {
                        var dy = dy0, dx = dx0
                        for _ in columns {
                            for c in 0..<channels {
                                var sum: Float = 0
                                for m in 0..<multiplier { sum += dy[c &* multiplier &+ m] * tap[c &* multiplier &+ m] }
                                dx[c] += sum
                            }
                            dy += outChannels; dx += inputStep
                        }
                        continue
                    }
                    var c = 0
                    while c &+ 16 <= channels {
                        let w = load16(tap + c)
                        var dy = dy0 + c, dx = dx0 + c
                        for _ in columns {
                            var acc = load16(dx)
                            fmadd(&acc, load16(dy), w)
                            store16(dx, acc)
                            dy += outChannels; dx += inputStep
                        }
                        c &+= 16
                    }
                    while c < channels {
                        let w = tap[c]
                        var dy = dy0 + c, dx = dx0 + c
                        for _ in columns {
                            dx.pointee += dy.pointee * w
                            dy += outChannels; dx += inputStep
                        }
                        c &+= 1
                    }
                }
            }
        }
    }
}

/// Same result as `depthwiseConv2DBackwardWeightsReference` restricted to images `images`: the
/// partial sums over those images. Overwrites `gradWeights` (kh·kw·C·M floats) and `gradBias`
/// (C·M, when given). Allocation-free; threads give each image range its own outputs and add them.
func depthwiseConv2DBackwardWeights(_ g: ConvGeometry, input: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                                    gradWeights: UnsafeMutablePointer<Float>, gradBias: UnsafeMutablePointer<Float>?,
                                    images: Range<Int>) {
    let channels = g.inputChannels, outChannels = g.outputChannels
    let multiplier = outChannels / channels
    let inputStep = g.strideWidth &* channels
    gradWeights.initialize(repeating: 0, count: g.kernelHeight &* g.kernelWidth &* outChannels)
    gradBias?.initialize(repeating: 0, count: outChannels)
    for n in images {
        let image = input + n &* g.inputHeight &* g.inputWidth &* channels
        for oy in 0..<g.outputHeight {
            let dyRow = gradOutput + (n &* g.outputHeight &+ oy) &* g.outputWidth &* outChannels
            if let gradBias { addColumnSums(dyRow, rows: g.outputWidth, columns: outChannels, into: gradBias) }
            for ky in 0..<g.kernelHeight {
                let iy = oy &* g.strideHeight &- g.padTop &+ ky &* g.dilationHeight
                if iy < 0 || iy >= g.inputHeight { continue }
                let xRow = image + iy &* g.inputWidth &* channels
                for kx in 0..<g.kernelWidth {
                    let (columns, ix0) = depthwiseColumnRun(g, kx: kx)
                    if columns.isEmpty { continue }
                    let tap = gradWeights + (ky &* g.kernelWidth &+ kx) &* outChannels
                    let dy0 = dyRow + columns.lowerBound &* outChannels, x0 = xRow + ix0 &* channels
                    if multiplier != 1 {
                        var dy = dy0, x = x0
                        for _ in columns {
                            for o in 0..<outChannels { tap[o] += dy[o] * x[o / multiplier] }
                            dy += outChannels; x += inputStep
                        }
                        continue
                    }
                    var c = 0
                    while c &+ 16 <= channels {
                        // Four independent chains: one alone would wait on FMA latency.
                        var a0 = SIMD16<Float>(), a1 = SIMD16<Float>(), a2 = SIMD16<Float>(), a3 = SIMD16<Float>()
                        var dy = dy0 + c, x = x0 + c
                        var left = columns.count
                        while left >= 4 {
                            fmadd(&a0, load16(dy), load16(x))
                            fmadd(&a1, load16(dy + outChannels), load16(x + inputStep))
                            fmadd(&a2, load16(dy + 2 &* outChannels), load16(x + 2 &* inputStep))
                            fmadd(&a3, load16(dy + 3 &* outChannels), load16(x + 3 &* inputStep))
                            dy += 4 &* outChannels; x += 4 &* inputStep; left &-= 4
                        }
                        while left > 0 {
                            fmadd(&a0, load16(dy), load16(x))
                            dy += outChannels; x += inputStep; left &-= 1
                        }
                        store16(tap + c, load16(tap + c) + ((a0 + a1) + (a2 + a3)))
                        c &+= 16
                    }
                    while c < channels {
                        var sum: Float = 0
                        var dy = dy0 + c, x = x0 + c
                        for _ in columns {
                            sum += dy.pointee * x.pointee
                            dy += outChannels; x += inputStep
                        }
                        tap[c] += sum
                        c &+= 1
                    }
                }
            }
        }
    }
}

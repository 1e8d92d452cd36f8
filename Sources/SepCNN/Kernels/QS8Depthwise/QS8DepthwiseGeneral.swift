/// Bytes of scratch `qs8DepthwiseGeneral` needs: one int32 accumulator per output channel.
func qs8DepthwiseGeneralScratchByteCount(_ g: ConvGeometry) -> Int { 4 &* g.outputChannels &+ 64 }

/// Same result as `qs8DepthwiseReference` for output rows `rows` (indices into batch · outputHeight),
/// any geometry: kernel, stride, dilation, padding, multiplier. Per output pixel, the int32 sums of
/// all channels build up in `scratch` tap by tap (an inner loop over channels that LLVM vectorises),
/// then are requantized. Allocation-free; thread-safe for disjoint rows, each thread with its scratch.
func qs8DepthwiseGeneral(_ g: ConvGeometry, input: UnsafePointer<Int8>, inputZeroPoint: Int8,
                         weights: UnsafePointer<Int8>, bias: UnsafePointer<Int32>, multipliers: UnsafePointer<Float>,
                         clamp: QS8OutputClamp, output: UnsafeMutablePointer<Int8>, rows: Range<Int>,
                         scratch: UnsafeMutableRawPointer) {
    let multiplier = g.outputChannels / g.inputChannels, outChannels = g.outputChannels, cin = g.inputChannels
    let z = Int32(inputZeroPoint)
    let acc = scratch.bindMemory(to: Int32.self, capacity: outChannels)
    for row in rows {
        let n = row / g.outputHeight, oy = row &- n &* g.outputHeight
        let image = input + n &* (g.inputHeight &* g.inputWidth &* cin)
        for ox in 0..<g.outputWidth {
            acc.update(from: bias, count: outChannels)
            for ky in 0..<g.kernelHeight {
                let iy = oy &* g.strideHeight &- g.padTop &+ ky &* g.dilationHeight
                if iy < 0 || iy >= g.inputHeight { continue }
                for kx in 0..<g.kernelWidth {
                    let ix = ox &* g.strideWidth &- g.padLeft &+ kx &* g.dilationWidth
                    if ix < 0 || ix >= g.inputWidth { continue }
                    let pixel = image + (iy &* g.inputWidth &+ ix) &* cin
                    let tap = weights + (ky &* g.kernelWidth &+ kx) &* outChannels
                    if multiplier == 1 {
                        for c in 0..<cin { acc[c] &+= (Int32(pixel[c]) &- z) &* Int32(tap[c]) }
                    } else {
                        for c in 0..<cin {
                            let x = Int32(pixel[c]) &- z, base = c &* multiplier
                            for m in 0..<multiplier { acc[base &+ m] &+= x &* Int32(tap[base &+ m]) }
                        }
                    }
                }
            }
            let out = output + (row &* g.outputWidth &+ ox) &* outChannels
            for o in 0..<outChannels { out[o] = qs8Requantize(acc[o], multipliers[o], clamp) }
        }
    }
}

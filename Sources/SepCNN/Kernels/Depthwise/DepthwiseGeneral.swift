// Depthwise convolution for any geometry: kernel size, stride, dilation, padding, depth multiplier.
//
// Vectorised over 16 output channels, four output columns at a time in the interior (where no tap
// needs a bounds test) and one checked column at a time near the edges. Taps are loaded from memory
// as they are used, so any kernel size works. A depth multiplier M > 1 first widens each input row
// it needs into scratch (channel c repeated M times, matching output channel c·M + m), so the loops
// below only ever see multiplier 1.

/// Scratch of the general path: nothing for multiplier 1; otherwise a tag per slot, then one widened
/// row per input row a window spans.
func depthwiseGeneralScratchCount(_ g: ConvGeometry) -> Int {
    if g.outputChannels == g.inputChannels { return 0 }
    let span = (g.kernelHeight &- 1) &* g.dilationHeight &+ 1
    return depthwiseGeneralTagFloats(span) &+ span &* g.inputWidth &* g.outputChannels
}

/// Floats reserved for slot tags, rounded up so the widened rows start 64-byte aligned relative to scratch.
@inline(__always)
func depthwiseGeneralTagFloats(_ span: Int) -> Int { (span &+ 15) & ~15 }

func depthwiseGeneral(_ g: ConvGeometry, input: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                      bias: UnsafePointer<Float>?, activation: Activation,
                      output: UnsafeMutablePointer<Float>, rows: Range<Int>, scratch: UnsafeMutablePointer<Float>) {
    depthwiseGeneralRows(g, input, weights, bias, activation, output, rows, scratch)
}

/// Output columns whose whole window lies inside the input, so they need no bounds tests.
/// `extent` is the dilated kernel width.
@inline(__always)
func depthwiseInterior(input: Int, output: Int, extent: Int, stride: Int, padBefore: Int) -> Range<Int> {
    // ox·s − pad ≥ 0 and ox·s − pad + extent − 1 ≤ input − 1.
    let lo = min(max(0, depthwiseFloorDiv(padBefore &+ stride &- 1, stride)), output)
    let hi = min(max(lo, depthwiseFloorDiv(input &- extent &+ padBefore, stride) &+ 1), output)
    return lo ..< hi
}

/// `activation` must be fusable.
func depthwiseGeneralRows(
    _ g: ConvGeometry, _ input: UnsafePointer<Float>, _ weights: UnsafePointer<Float>,
    _ bias: UnsafePointer<Float>?, _ activation: Activation, _ output: UnsafeMutablePointer<Float>,
    _ rows: Range<Int>, _ scratch: UnsafeMutablePointer<Float>
) {
    let h = g.inputHeight, w = g.inputWidth, cin = g.inputChannels, co = g.outputChannels
    let m = co / cin
    let kh = g.kernelHeight, kw = g.kernelWidth, sw = g.strideWidth, dh = g.dilationHeight, dw = g.dilationWidth
    let ho = g.outputHeight, wo = g.outputWidth, pl = g.padLeft
    let interior = depthwiseInterior(input: w, output: wo, extent: (kw &- 1) &* dw &+ 1, stride: sw, padBefore: pl)
    // Pixel stride of the rows the loops read: the input's, or the widened rows'.
    let pc = m == 1 ? cin : co
    let span = (kh &- 1) &* dh &+ 1
    let slots = scratch + depthwiseGeneralTagFloats(span)
    if m > 1 {
        // A slot's tag is the (image, row) it holds, image · H + row, or −1; exact in a Float below 2^24 rows.
        for i in 0 ..< span { scratch[i] = -1 }
    }
    let channelBase = m == 1 ? input : UnsafePointer(slots)

    for r in rows {
        let n = r / ho, oy = r &- n &* ho
        let image = input + n &* (h &* w &* cin)
        let iy0 = oy &* g.strideHeight &- g.padTop
        /// Kernel row ky's input row (plain or widened), nil in the padding.
        @inline(__always) func source(_ ky: Int) -> UnsafePointer<Float>? {
            let iy = iy0 &+ ky &* dh
            guard iy >= 0 && iy < h else { return nil }
            return m == 1 ? image + iy &* (w &* cin) : UnsafePointer(slots + (iy % span) &* (w &* co))
        }
        if m > 1 {
            // Rows of one window are less than `span` apart, so `iy mod span` gives each its own slot
            // and consecutive output rows find the rows they share still widened.
            for ky in 0 ..< kh {
                let iy = iy0 &+ ky &* dh
                guard iy >= 0 && iy < h else { continue }
                let slot = iy % span, tag = Float(n &* h &+ iy)
                if scratch[slot] == tag { continue }
                let src = image + iy &* (w &* cin), dst = slots + slot &* (w &* co)
                for x in 0 ..< w {
                    let s = src + x &* cin, d = dst + x &* co
                    for ci in 0 ..< cin {
                        let v = s[ci]
                        for j in 0 ..< m { d[ci &* m &+ j] = v }
                    }
                }
                scratch[slot] = tag
            }
        }
        let out = output + r &* (wo &* co)

        if co < 16 {
            for ox in 0 ..< wo {
                depthwiseColumn(source, weights, bias, out + ox &* co, kh: kh, kw: kw, ix0: ox &* sw &- pl, dw: dw,
                                w: w, c: pc, taps: co, cb: 0, lanes: co, activation, DepthwisePartialLanes.self)
            }
            continue
        }
        @inline(__always) func checkedColumn(_ ox: Int) {
            var blocks = DepthwiseChannelBlocks(co, alignedTo: channelBase)
            while let cb = blocks.next() {
                depthwiseColumn(source, weights, bias, out + ox &* co, kh: kh, kw: kw, ix0: ox &* sw &- pl, dw: dw,
                                w: w, c: pc, taps: co, cb: cb, lanes: 16, activation, DepthwiseFullLanes.self)
            }
        }
        var ox = 0
        while ox < interior.lowerBound { checkedColumn(ox); ox &+= 1 }
        let step = sw &* pc
        while ox &+ 4 <= interior.upperBound {
            let ix0 = ox &* sw &- pl
            let d = out + ox &* co
            var blocks = DepthwiseChannelBlocks(co, alignedTo: channelBase)
            while let cb = blocks.next() {
                var b = SIMD16<Float>()
                if let bias { b = load16(bias + cb) }
                var a = DepthwiseAccumulators(b)
                for ky in 0 ..< kh {
                    guard let row = source(ky) else { continue }
                    var p = row + (ix0 &* pc &+ cb)
                    var t = weights + (ky &* kw &* co &+ cb)
                    for _ in 0 ..< kw {
                        let k = load16(t)
                        fmadd(&a.a0, load16(p), k); fmadd(&a.a1, load16(p + step), k)
                        fmadd(&a.a2, load16(p + 2 &* step), k); fmadd(&a.a3, load16(p + 3 &* step), k)
                        p += dw &* pc
                        t += co
                    }
                }
                a.store(d + cb, co, DepthwiseTile4.self, activation)
            }
            ox &+= 4
        }
        while ox < wo { checkedColumn(ox); ox &+= 1 }
    }
}

/// One output pixel's channel block, testing every tap against the image: the edge path of every
/// kernel family, and the whole path for rows of fewer than 16 channels.
///
/// `row(ky)` is kernel row ky's input row (nil or a zero row outside the image), `c` its pixel
/// stride, `taps` the floats between consecutive taps of the weights, `out` the output pixel.
@inline(__always)
func depthwiseColumn<L: DepthwiseLanes>(
    _ row: (Int) -> UnsafePointer<Float>?, _ weights: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?,
    _ out: UnsafeMutablePointer<Float>, kh: Int, kw: Int, ix0: Int, dw: Int, w: Int, c: Int, taps: Int,
    cb: Int, lanes: Int, _ activation: Activation, _: L.Type
) {
    // Taps kx in kxLo ..< kxHi land inside the image.
    let kxLo = max(0, depthwiseFloorDiv(dw &- 1 &- ix0, dw))
    let kxHi = min(kw, max(kxLo, depthwiseFloorDiv(w &- 1 &- ix0, dw) &+ 1))
    // Two chains so the column is not one long sequence of dependent FMAs.
    var a0 = SIMD16<Float>()
    if let bias { a0 = L.load(bias + cb, lanes) }
    var a1 = SIMD16<Float>()
    for ky in 0 ..< kh {
        guard let r = row(ky) else { continue }
        var kx = kxLo
        while kx < kxHi {
            let x = L.load(r + ((ix0 &+ kx &* dw) &* c &+ cb), lanes)
            let t = L.load(weights + ((ky &* kw &+ kx) &* taps &+ cb), lanes)
            if ky & 1 == 0 { fmadd(&a0, x, t) } else { fmadd(&a1, x, t) }
            kx &+= 1
        }
    }
    L.store(out + cb, activation.apply(a0 + a1), lanes)
}

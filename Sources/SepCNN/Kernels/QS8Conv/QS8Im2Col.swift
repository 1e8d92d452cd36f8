/// Unfolds the receptive fields of one channel group into the u8 rows `qs8GEMMPacked` reads (int8
/// XOR 0x80), as `im2col` does for float: for each output pixel in `pixels` (indices into
/// batch · outputHeight · outputWidth), one row of `kh·kw·Cin/groups` values ordered (ky, kx, ci) to
/// match the weights, then `rowStride` − that many (0–3: `qs8Im2colRowStride`) filler bytes (the
/// GEMM's weights there are zero).
/// Padding is the input zero point, so it contributes (z − z) · w = 0 once the folded bias is added.
func qs8Im2col(_ g: ConvGeometry, group: Int, pixels: Range<Int>, input: UnsafePointer<Int8>, zeroPoint: Int8,
               columns: UnsafeMutablePointer<UInt8>, rowStride: Int) {
    let padding = UInt8(bitPattern: zeroPoint) ^ 0x80
    // Padding runs: only at the image border.
    @inline(__always) func fill(_ dst: UnsafeMutablePointer<UInt8>, _ count: Int) {
        for i in 0..<count { dst[i] = padding }
    }
    let inPerGroup = g.inputChannelsPerGroup, depth = g.kernelHeight &* g.kernelWidth &* inPerGroup
    let kw = g.kernelWidth, sw = g.strideWidth, dw = g.dilationWidth, c = g.inputChannels, width = g.inputWidth
    precondition(rowStride >= depth && rowStride &- depth < 4, "qs8Im2col: rowStride \(rowStride) must be the depth \(depth) rounded up to 4")
    let imagePixels = g.outputHeight &* g.outputWidth
    guard !pixels.isEmpty, imagePixels > 0 else { return }
    // One group and no horizontal dilation: a kernel row inside the image is one run of kw·C bytes.
    let contiguous = g.groups == 1 && dw == 1
    let run = kw &* inPerGroup
    var pixel = pixels.lowerBound
    var slotRow = columns
    // Segments of one output row: per kernel row, the input row is found once, then each pixel's run.
    while pixel < pixels.upperBound {
        let n = pixel / imagePixels, within = pixel &- n &* imagePixels
        let oy = within / g.outputWidth, ox0 = within &- oy &* g.outputWidth
        let count = min(pixels.upperBound &- pixel, g.outputWidth &- ox0)
        let image = input + (n &* (g.inputHeight &* width &* c) &+ group &* inPerGroup)
        for ky in 0..<g.kernelHeight {
            let iy = oy &* g.strideHeight &- g.padTop &+ ky &* g.dilationHeight
            var slot = slotRow + ky &* run
            guard iy >= 0 && iy < g.inputHeight else {
                for _ in 0..<count { fill(slot, run); slot += rowStride }
                continue
            }
            let sourceRow = image + iy &* width &* c
            // Pixels whose whole kernel row lies inside the image take the short loop of runs.
            var interior = 0..<0
            if contiguous {
                let low = g.padLeft <= 0 ? 0 : (g.padLeft &+ sw &- 1) / sw
                let span = width &- kw &+ g.padLeft
                let high = span < 0 ? 0 : span / sw &+ 1
                interior = max(low, ox0) ..< max(max(low, ox0), min(high, ox0 &+ count))
            }
            var ix0 = ox0 &* sw &- g.padLeft
            var ox = ox0
            while ox < ox0 &+ count {
                if ox == interior.lowerBound && !interior.isEmpty {
                    qs8Im2colRuns(slot, rowStride, sourceRow + ix0 &* c, sw &* c, interior.count, run)
                    slot += interior.count &* rowStride
                    ix0 &+= interior.count &* sw
                    ox = interior.upperBound
                    continue
                }
                var tap = slot, ix = ix0
                for _ in 0..<kw {
                    if ix < 0 || ix >= width { fill(tap, inPerGroup) } else { qs8CopyFlippedShort(tap, sourceRow + ix &* c, inPerGroup) }
                    tap += inPerGroup
                    ix &+= dw
                }
                slot += rowStride
                ix0 &+= sw
                ox &+= 1
            }
        }
        // 0–3 filler bytes (the stride rounds the depth up to 4), stored one by one: a loop became a memset call.
        let filler = rowStride &- depth
        if filler > 0 {
            var slot = slotRow + depth
            for _ in 0..<count {
                slot[0] = padding
                if filler > 1 { slot[1] = padding }
                if filler > 2 { slot[2] = padding }
                slot += rowStride
            }
        }
        slotRow += count &* rowStride
        pixel &+= count
    }
}

/// The im2col row length the qs8 convolution uses: the depth rounded up to whole 4-byte k groups, so
/// every vpdpbusd operand is one aligned broadcast (the stem's depth of 27 becomes 28).
func qs8Im2colRowStride(_ g: ConvGeometry) -> Int { (g.kernelHeight &* g.kernelWidth &* g.inputChannelsPerGroup &+ 3) & ~3 }

/// dst[i] = src[i] XOR 0x80 for `count` bytes. Short runs (the stem's are 9 bytes) as straight-line 8/4/2/1-byte moves: a loop, vectorised with
/// its run-time checks and scalar tail, cost more per run than the GEMM spends on the row.
@inline(__always)
func qs8CopyFlippedShort(_ dst: UnsafeMutablePointer<UInt8>, _ src: UnsafePointer<Int8>, _ count: Int) {
    guard count <= 16 else {
        for i in 0..<count { dst[i] = UInt8(bitPattern: src[i]) ^ 0x80 }
        return
    }
    let s = UnsafeRawPointer(src), d = UnsafeMutableRawPointer(dst)
    var i = 0
    if count >= 8 {
        d.storeBytes(of: s.loadUnaligned(as: UInt64.self) ^ 0x8080_8080_8080_8080, as: UInt64.self)
        i = 8
    }
    if count &- i >= 8 {
        d.storeBytes(of: s.loadUnaligned(fromByteOffset: 8, as: UInt64.self) ^ 0x8080_8080_8080_8080, toByteOffset: 8, as: UInt64.self)
        i = 16
    }
    if count &- i >= 4 {
        d.storeBytes(of: s.loadUnaligned(fromByteOffset: i, as: UInt32.self) ^ 0x8080_8080, toByteOffset: i, as: UInt32.self)
        i &+= 4
    }
    if count &- i >= 2 {
        d.storeBytes(of: s.loadUnaligned(fromByteOffset: i, as: UInt16.self) ^ 0x8080, toByteOffset: i, as: UInt16.self)
        i &+= 2
    }
    if count &- i >= 1 { dst[i] = UInt8(bitPattern: src[i]) ^ 0x80 }
}

/// `count` runs of `run` bytes, flipped: run i from src + i·srcStep to dst + i·dstStride. A function of
/// its own so that its few loop values stay in registers (inside qs8Im2col they were spilled, and the
/// reloads cost more than the copies).
@inline(never)
func qs8Im2colRuns(_ dst: UnsafeMutablePointer<UInt8>, _ dstStride: Int, _ src: UnsafePointer<Int8>, _ srcStep: Int,
                   _ count: Int, _ run: Int) {
    var d = dst, s = src
    for _ in 0..<count {
        qs8CopyFlippedShort(d, s, run)
        d += dstStride
        s += srcStep
    }
}

// The depthwise entry point: picks a kernel family by geometry and owns the pieces they share.

/// Floats of scratch `depthwiseConv2DFast` needs for this geometry (e.g. a zero row for padding); may be 0.
func depthwiseScratchCount(_ g: ConvGeometry) -> Int {
    switch depthwiseFamily(g) {
    case .tiled3x3, .tiled5x5: return depthwiseTiledScratchCount(g)
    case .general: return depthwiseGeneralScratchCount(g)
    }
}

enum DepthwiseFamily { case tiled3x3, tiled5x5, general }

/// 3×3 and 5×5 with multiplier 1, dilation 1 and horizontal stride 1 or 2 get register-tiled kernels
/// (vertical stride and padding are free: they only choose input rows). Everything else is general.
func depthwiseFamily(_ g: ConvGeometry) -> DepthwiseFamily {
    let tileable = g.outputChannels == g.inputChannels && g.dilationHeight == 1 && g.dilationWidth == 1
        && (g.strideWidth == 1 || g.strideWidth == 2) && g.padLeft >= 0 && g.padTop >= 0
        && g.kernelHeight == g.kernelWidth
    if tileable && g.kernelWidth == 3 { return .tiled3x3 }
    if tileable && g.kernelWidth == 5 { return .tiled5x5 }
    return .general
}

/// Same result as depthwiseConv2DReference, for output rows `rows` only. Rows are indices into
/// the flattened (image, output row) range 0 ..< g.batch · g.outputHeight. Each computes every
/// column and every output channel of its row. Writes nothing else. Allocation-free.
/// Thread-safe for disjoint row ranges. Each thread passes its own scratch.
func depthwiseConv2DFast(_ g: ConvGeometry, input: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                         bias: UnsafePointer<Float>?, activation: Activation,
                         output: UnsafeMutablePointer<Float>, rows: Range<Int>,
                         scratch: UnsafeMutablePointer<Float>) {
    let rows = rows.clamped(to: 0 ..< g.batch &* g.outputHeight)
    if rows.isEmpty || g.outputWidth <= 0 || g.outputChannels <= 0 { return }
    // Fusable activations are applied in the kernels' stores; the rest (sigmoid, SiLU, hard sigmoid)
    // need exp or are rare enough that a second pass over the rows just written is cheaper than the code.
    let fused: Activation = activation.isFusable ? activation : .linear
    switch depthwiseFamily(g) {
    case .tiled3x3:
        depthwise3x3(g, input: input, weights: weights, bias: bias, activation: fused,
                     output: output, rows: rows, scratch: scratch)
    case .tiled5x5:
        depthwise5x5(g, input: input, weights: weights, bias: bias, activation: fused,
                     output: output, rows: rows, scratch: scratch)
    case .general:
        depthwiseGeneral(g, input: input, weights: weights, bias: bias, activation: fused,
                         output: output, rows: rows, scratch: scratch)
    }
    if !activation.isFusable {
        let rowFloats = g.outputWidth &* g.outputChannels
        let first = output + rows.lowerBound &* rowFloats
        applyActivation(activation, first, first, count: rows.count &* rowFloats)
    }
}

@inline(__always)
func depthwiseFloorDiv(_ a: Int, _ b: Int) -> Int {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q &- 1 : q
}

// Compile-time parameters. Kernels are generic over these types so that each combination is
// specialised with its choices folded to constants: no test of stride or tile width survives in an
// inner loop, and no per-pixel branch either. The activation is a run-time value switched on once
// per tile store, which costs nothing measurable and keeps the number of instantiations down.

protocol DepthwiseStride { static var value: Int { get } }
enum DepthwiseStride1: DepthwiseStride { static var value: Int { 1 } }
enum DepthwiseStride2: DepthwiseStride { static var value: Int { 2 } }

/// Loads and stores of one channel block: all 16 lanes, or the first `lanes` when a row has fewer than 16 channels.
protocol DepthwiseLanes {
    static func load(_ p: UnsafePointer<Float>, _ lanes: Int) -> SIMD16<Float>
    static func store(_ p: UnsafeMutablePointer<Float>, _ v: SIMD16<Float>, _ lanes: Int)
}
enum DepthwiseFullLanes: DepthwiseLanes {
    @inline(__always) static func load(_ p: UnsafePointer<Float>, _ lanes: Int) -> SIMD16<Float> { load16(p) }
    @inline(__always) static func store(_ p: UnsafeMutablePointer<Float>, _ v: SIMD16<Float>, _ lanes: Int) {
        store16(p, v)
    }
}
enum DepthwisePartialLanes: DepthwiseLanes {
    @inline(__always) static func load(_ p: UnsafePointer<Float>, _ lanes: Int) -> SIMD16<Float> {
        loadPartial16(p, lanes)
    }
    @inline(__always) static func store(_ p: UnsafeMutablePointer<Float>, _ v: SIMD16<Float>, _ lanes: Int) {
        storePartial16(p, v, lanes)
    }
}

/// The 16-channel blocks of a row of `c` ≥ 16 channels, as block starts (`while let cb = blocks.next()`).
///
/// Blocks start on a 64-byte boundary of `base` when they can: an unaligned 64-byte load spans two
/// cache lines and costs about as much as two, which took up to a third off the large layers. So
/// when `base` is not 64-byte aligned (and the pixel stride keeps the alignment), a first unaligned
/// block covers the channels before the first boundary. A ragged end overlaps the previous block
/// instead of using partial vectors. Overlapping channels are computed and written twice, with the
/// same values. Below 64 channels the extra block costs more than the aligned loads save.
struct DepthwiseChannelBlocks {
    private var cb: Int
    private let c: Int
    private var leading: Bool

    @inline(__always)
    init(_ c: Int, alignedTo base: UnsafePointer<Float>) {
        self.c = c
        let offset = Int(bitPattern: base) & 63
        if offset != 0 && offset & 3 == 0 && c & 15 == 0 && c >= 64 {
            leading = true
            cb = 16 &- offset >> 2
        } else {
            leading = false
            cb = 0
        }
    }

    @inline(__always)
    mutating func next() -> Int? {
        if leading { leading = false; return 0 }
        if cb >= c { return nil }
        let start = cb &+ 16 <= c ? cb : c &- 16
        cb &+= 16
        return start
    }
}

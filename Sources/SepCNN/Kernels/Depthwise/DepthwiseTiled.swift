// The driver shared by the 3×3 and 5×5 kernels: it walks rows, register tiles of output columns
// and 16-channel blocks, and hands each tile to the kernel family's unrolled code.
//
// Loop order: group of up to 4 output rows (8 at stride 2) → tile of 4…8 output columns →
// channel block → row of the group. A tile's input for one channel block is a few cache lines per
// input row; the rows of a group share most of them, so they are read from L2 once and then hit L1.
// Walking a whole row per channel block instead would stride through memory by the pixel size, and
// channel counts like 32, 64 or 128 then map every pixel's block to a handful of L1 sets.

/// A kernel family the tiled driver runs: K×K taps, multiplier 1, dilation 1.
protocol DepthwiseTileKernel {
    associatedtype Taps
    static var size: Int { get }
    /// The taps of the channel block whose tap (0, 0) is at `w`; taps are `c` floats apart.
    static func taps(_ w: UnsafePointer<Float>, _ c: Int) -> Taps
    /// Adds one tile's K×K products to `a`. `rows` point at the windows' input rows, at the tile's
    /// first input column and the channel block; input pixels are `c` floats apart.
    static func accumulate<S: DepthwiseStride, T: DepthwiseTileWidth, E: DepthwiseTileEdge>(
        _ taps: Taps, _ rows: DepthwiseWindowRows, _ c: Int, _ zero: UnsafePointer<Float>,
        _ a: inout DepthwiseAccumulators, _: S.Type, _: T.Type, _: E.Type)
}

/// The input rows of a tile's windows (the first K are used).
struct DepthwiseWindowRows {
    var r0, r1, r2, r3, r4: UnsafePointer<Float>
    @inline(__always)
    init(_ r0: UnsafePointer<Float>, _ r1: UnsafePointer<Float>, _ r2: UnsafePointer<Float>,
         _ r3: UnsafePointer<Float>, _ r4: UnsafePointer<Float>) {
        self.r0 = r0; self.r1 = r1; self.r2 = r2; self.r3 = r3; self.r4 = r4
    }
}

/// Output columns of one register tile (4 … 8); narrower tiles leave accumulators unused.
protocol DepthwiseTileWidth { static var count: Int { get } }
enum DepthwiseTile4: DepthwiseTileWidth { static var count: Int { 4 } }
enum DepthwiseTile5: DepthwiseTileWidth { static var count: Int { 5 } }
enum DepthwiseTile6: DepthwiseTileWidth { static var count: Int { 6 } }
enum DepthwiseTile7: DepthwiseTileWidth { static var count: Int { 7 } }
enum DepthwiseTile8: DepthwiseTileWidth { static var count: Int { 8 } }

/// One tile's accumulators as named vectors, so that after inlining each is a register (an array
/// or a tuple indexed in a loop would live on the stack).
struct DepthwiseAccumulators {
    var a0, a1, a2, a3, a4, a5, a6, a7: SIMD16<Float>

    @inline(__always)
    init(_ b: SIMD16<Float>) { a0 = b; a1 = b; a2 = b; a3 = b; a4 = b; a5 = b; a6 = b; a7 = b }

    /// Stores the tile's columns, `c` floats apart, through a fusable activation (one switch per tile).
    @inline(__always)
    mutating func store<T: DepthwiseTileWidth>(_ d: UnsafeMutablePointer<Float>, _ c: Int, _: T.Type,
                                               _ activation: Activation) {
        // Applied in place, one case per activation, rather than through a local function over the
        // accumulators: capturing them made LLVM spill all eight to the stack and reload them.
        switch activation {
        case .relu: map { Activation.relu.apply($0) }
        case .relu6: map { Activation.relu6.apply($0) }
        case .hardSwish: map { Activation.hardSwish.apply($0) }
        default: break
        }
        store16(d, a0); store16(d + c, a1); store16(d + 2 &* c, a2); store16(d + 3 &* c, a3)
        if T.count > 4 { store16(d + 4 &* c, a4) }
        if T.count > 5 { store16(d + 5 &* c, a5) }
        if T.count > 6 { store16(d + 6 &* c, a6) }
        if T.count > 7 { store16(d + 7 &* c, a7) }
    }

    @inline(__always)
    mutating func map(_ f: (SIMD16<Float>) -> SIMD16<Float>) {
        a0 = f(a0); a1 = f(a1); a2 = f(a2); a3 = f(a3); a4 = f(a4); a5 = f(a5); a6 = f(a6); a7 = f(a7)
    }
}

/// Which input columns of a tile lie in the padding: none, or the first and/or the last one. A
/// compile-time choice, so interior tiles test nothing and edge tiles test nothing at run time
/// either; they read the zero row for those columns. (A run-time head/tail count cost up to a
/// third of the speed on 7- and 14-wide rows, where every tile is an edge tile: its compares and
/// extra live registers pushed the loop's pointers onto the stack.)
protocol DepthwiseTileEdge {
    static var head: Bool { get }
    static var tail: Bool { get }
}
enum DepthwiseInteriorTile: DepthwiseTileEdge { static var head: Bool { false }; static var tail: Bool { false } }
enum DepthwiseHeadTile: DepthwiseTileEdge { static var head: Bool { true }; static var tail: Bool { false } }
enum DepthwiseTailTile: DepthwiseTileEdge { static var head: Bool { false }; static var tail: Bool { true } }
enum DepthwiseHeadTailTile: DepthwiseTileEdge { static var head: Bool { true }; static var tail: Bool { true } }

extension DepthwiseTileEdge {
    /// Where input column `i` of a tile whose last input column is `last` comes from (constants once inlined).
    @inline(__always)
    static func source(_ p: UnsafePointer<Float>, _ i: Int, _ last: Int, _ zero: UnsafePointer<Float>) -> UnsafePointer<Float> {
        (head && i == 0) || (tail && i == last) ? zero : p
    }
}

/// How a row's output columns split into register tiles.
///
/// Columns `lo ..< hi` (windows overhanging the image by at most one column on either side) go to
/// tiles as even as possible, 4 to 8 columns each, e.g. 56 = 7 × 8, 14 = 2 × 7, 7 = 1 × 7. Only the
/// first tile can overhang on the left (`head`) and only the last on the right (`tail`). The rest,
/// with padding of 2 or more or rows narrower than 4 columns, take the one-column checked path.
struct DepthwiseColumnPlan {
    var lo: Int, hi: Int, tiles = 0, base = 0, extra = 0, head = false, tail = false

    init(input w: Int, output wo: Int, kernel k: Int, stride s: Int, padLeft pl: Int, channels c: Int) {
        lo = min(max(0, depthwiseFloorDiv(pl &- 1 &+ s &- 1, s)), wo)
        hi = min(max(lo, depthwiseFloorDiv(w &- k &+ 1 &+ pl, s) &+ 1), wo)
        let span = hi &- lo
        if span < 4 || c < 16 { lo = wo; hi = wo; return }
        tiles = (span &+ 7) / 8
        base = span / tiles
        extra = span &- base &* tiles
        head = lo &* s &- pl < 0
        tail = (hi &- 1) &* s &- pl &+ k > w
    }

    /// Width of tile `i`; the first `extra` tiles take one column more.
    @inline(__always) func width(_ i: Int) -> Int { i < extra ? base &+ 1 : base }
}

/// Output rows the driver computes together: stride 2 reads 2·rows + 1 input rows per group instead of
/// rows + 2, so it needs a taller group for the same share of rows reused from L1.
@inline(__always)
func depthwiseTiledGroupRows(strideWidth: Int) -> Int { strideWidth == 1 ? 4 : 8 }

/// Floats between neighbouring input pixels as the tiled kernels read them: `c`, or `c + 16` when `c`
/// is a multiple of 256 and the stride 1, in which case each group's input rows are first copied
/// that far apart.
///
/// Why: L1 (32 KiB, 8-way) picks a line's set from address bits 6–11. At 256·k channels a pixel is
/// a multiple of 1 KiB, so one channel block of every pixel falls into at most 4 of the 64 sets (1 at
/// 1024 channels), and MobileNetV1's rows (a multiple of 4 KiB) into the same ones: a tile's input
/// lines evicted each other before their second and third use. 14×14×512 took 68 µs in a network
/// where 14×14×528 took 21; one line more per pixel spreads the blocks over every set (26–32 µs with
/// the copy). At stride 2 each input line has fewer uses and the copy cost more than it saved.
@inline(__always)
func depthwiseTiledInputStride(channels c: Int, strideWidth s: Int) -> Int {
    c % 256 == 0 && s == 1 ? c &+ 16 : c
}

/// Scratch of the tiled kernels: one zero input row, read in place of rows above and below the image
/// (at least 16 floats, which also stand in for single padding columns), then, when input rows are
/// copied to a wider pixel stride (`depthwiseTiledInputStride`), a ring of `slots` copied rows.
struct DepthwiseTiledScratch {
    /// Floats between input pixels as the tiles read them.
    let inputStride: Int
    let zeroCount: Int
    /// Copied rows held at once: every input row of one group (0 when rows are read in place).
    let slots: Int
    /// Where the copied rows start.
    var copiedRowsOffset: Int { roundedToCacheLine(zeroCount) }

    init(_ g: ConvGeometry) {
        inputStride = depthwiseTiledInputStride(channels: g.inputChannels, strideWidth: g.strideWidth)
        zeroCount = max(g.inputWidth &* inputStride, 16)
        let groupRows = depthwiseTiledGroupRows(strideWidth: g.strideWidth)
        slots = inputStride == g.inputChannels ? 0 : (groupRows &- 1) &* g.strideHeight &+ g.kernelHeight
    }
}

func depthwiseTiledScratchCount(_ g: ConvGeometry) -> Int {
    let layout = DepthwiseTiledScratch(g)
    return layout.slots == 0 ? layout.zeroCount : layout.copiedRowsOffset + layout.slots * g.inputWidth * layout.inputStride
}

/// `activation` must be fusable.
func depthwiseTiledRows<K: DepthwiseTileKernel, S: DepthwiseStride>(
    _ g: ConvGeometry, _ input: UnsafePointer<Float>, _ weights: UnsafePointer<Float>,
    _ bias: UnsafePointer<Float>?, _ activation: Activation, _ output: UnsafeMutablePointer<Float>,
    _ rows: Range<Int>, _ scratch: UnsafeMutablePointer<Float>, _: K.Type, _: S.Type
) {
    let k = K.size, s = S.value
    let h = g.inputHeight, w = g.inputWidth, c = g.inputChannels
    let ho = g.outputHeight, wo = g.outputWidth, pl = g.padLeft, sh = g.strideHeight
    let rowFloats = w &* c, outRowFloats = wo &* c
    let plan = DepthwiseColumnPlan(input: w, output: wo, kernel: k, stride: s, padLeft: pl, channels: c)
    let layout = DepthwiseTiledScratch(g)
    let inStride = layout.inputStride, zeroCount = layout.zeroCount, slots = layout.slots
    let copiesRows = slots > 0
    let copiedRows = scratch + layout.copiedRowsOffset, copiedRowFloats = w &* inStride
    // Channel blocks are aligned to what the tiles read.
    let alignment = copiesRows ? UnsafePointer(copiedRows) : input

    // Zero the scratch only as far as this call reads it.
    var zeroRow = false
    for r in rows {
        let iy = (r % ho) &* sh &- g.padTop
        if iy < 0 || iy &+ k > h { zeroRow = true; break }
    }
    if zeroRow {
        scratch.initialize(repeating: 0, count: zeroCount)
    } else if plan.head || plan.tail {
        scratch.initialize(repeating: 0, count: 16)
    }
    let zero = UnsafePointer(scratch)
    let groupRows = depthwiseTiledGroupRows(strideWidth: s)
    // Copied rows live in a ring of slots (row index mod `slots`, rows counted across images), so a
    // row the next group shares stays where it is and is copied once.
    var held = 0 ..< 0

    // Row pointers of the current group, K per output row: computed once per group, not per tile.
    withUnsafeTemporaryAllocation(of: UnsafePointer<Float>.self, capacity: groupRows &* k) { table in
        var r = rows.lowerBound
        while r < rows.upperBound {
            let n = r / ho, oy = r &- n &* ho
            let count = min(groupRows, rows.upperBound &- r, ho &- oy)
            let image = input + n &* (h &* rowFloats)
            let iy0 = oy &* sh &- g.padTop
            let out0 = output + r &* outRowFloats
            @inline(__always) func slot(_ iy: Int) -> UnsafeMutablePointer<Float> {
                copiedRows + ((n &* h &+ iy) % slots) &* copiedRowFloats
            }
            if copiesRows {
                let needed = max(iy0, 0) ..< min(iy0 &+ (count &- 1) &* sh &+ k, h)
                for iy in needed where !held.contains(n &* h &+ iy) {
                    let source = image + iy &* rowFloats, target = slot(iy)
                    for x in 0 ..< w { (target + x &* inStride).update(from: source + x &* c, count: c) }
                }
                held = n &* h &+ needed.lowerBound ..< n &* h &+ needed.upperBound
            }
            for j in 0 ..< count {
                for ky in 0 ..< k {
                    let iy = iy0 &+ j &* sh &+ ky
                    table[j &* k &+ ky] = iy < 0 || iy >= h ? zero : copiesRows ? UnsafePointer(slot(iy)) : image + iy &* rowFloats
                }
            }
            let rowTable = UnsafePointer(table.baseAddress!)

            if c < 16 {
                for j in 0 ..< count {
                    for ox in 0 ..< wo {
                        depthwiseColumn({ rowTable[j &* k &+ $0] }, weights, bias, out0 + (j &* outRowFloats &+ ox &* c),
                                        kh: k, kw: k, ix0: ox &* s &- pl, dw: 1, w: w, c: c, taps: c, cb: 0, lanes: c,
                                        activation, DepthwisePartialLanes.self)
                    }
                }
                r &+= count
                continue
            }

            @inline(__always) func checkedColumn(_ ox: Int) {
                let ix0 = ox &* s &- pl
                var blocks = DepthwiseChannelBlocks(c, alignedTo: alignment)
                while let cb = blocks.next() {
                    for j in 0 ..< count {
                        depthwiseColumn({ rowTable[j &* k &+ $0] }, weights, bias, out0 + (j &* outRowFloats &+ ox &* c),
                                        kh: k, kw: k, ix0: ix0, dw: 1, w: w, c: inStride, taps: c, cb: cb, lanes: 16,
                                        activation, DepthwiseFullLanes.self)
                    }
                }
            }

            @inline(__always) func tile<T: DepthwiseTileWidth>(_ ox: Int, _ head: Bool, _ tail: Bool, _: T.Type) {
                // Points one column left of the row for a head tile; that column is never read.
                let first = (ox &* s &- pl) &* inStride
                @inline(__always) func run<E: DepthwiseTileEdge>(_: E.Type) {
                    depthwiseTile(rowTable, count, first, inStride, out0 + ox &* c, outRowFloats, c, weights, bias,
                                  activation, zero, alignment, K.self, S.self, T.self, E.self)
                }
                switch (head, tail) {
                case (false, false): run(DepthwiseInteriorTile.self)
                case (true, false): run(DepthwiseHeadTile.self)
                case (false, true): run(DepthwiseTailTile.self)
                case (true, true): run(DepthwiseHeadTailTile.self)
                }
            }

            var ox = 0
            while ox < plan.lo { checkedColumn(ox); ox &+= 1 }
            for i in 0 ..< plan.tiles {
                let head = i == 0 && plan.head, tail = i == plan.tiles &- 1 && plan.tail
                let width = plan.width(i)
                switch width {
                case 8: tile(ox, head, tail, DepthwiseTile8.self)
                case 7: tile(ox, head, tail, DepthwiseTile7.self)
                case 6: tile(ox, head, tail, DepthwiseTile6.self)
                case 5: tile(ox, head, tail, DepthwiseTile5.self)
                default: tile(ox, head, tail, DepthwiseTile4.self)
                }
                ox &+= width
            }
            while ox < wo { checkedColumn(ox); ox &+= 1 }
            r &+= count
        }
    }
}

/// One register tile for every channel block and every row of a group.
///
/// `rows` holds K input-row pointers per output row of the group, whose pixels are `inStride` floats
/// apart; `first` is the offset of the tile's first input column within them; `out` is the tile's
/// first output pixel in the group's first row, whose pixels are `c` floats apart.
///
/// Not inlined: each instantiation is a self-contained loop nest with few live scalars. The inner
/// loop must not touch the stack: a spill or reload there can falsely match an output store in
/// flight (same address bits 0–11), and since the stack's position changes from run to run, so did
/// the speed, by up to 40 %.
@inline(never)
func depthwiseTile<K: DepthwiseTileKernel, S: DepthwiseStride, T: DepthwiseTileWidth, E: DepthwiseTileEdge>(
    _ rows: UnsafePointer<UnsafePointer<Float>>, _ count: Int, _ first: Int, _ inStride: Int,
    _ out: UnsafeMutablePointer<Float>, _ outRowFloats: Int, _ c: Int,
    _ weights: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?, _ activation: Activation,
    _ zero: UnsafePointer<Float>, _ alignment: UnsafePointer<Float>,
    _: K.Type, _: S.Type, _: T.Type, _: E.Type
) {
    var blocks = DepthwiseChannelBlocks(c, alignedTo: alignment)
    while let cb = blocks.next() {
        let taps = K.taps(weights + cb, c)
        // Not `bias.map { … }`: that closure stayed a call, with every live vector saved around it.
        var b = SIMD16<Float>()
        if let bias { b = load16(bias + cb) }
        let offset = first &+ cb
        for j in 0 ..< count {
            let rj = rows + j &* K.size
            let p3 = K.size > 3 ? rj[3] : rj[0], p4 = K.size > 4 ? rj[4] : rj[0]
            var a = DepthwiseAccumulators(b)
            K.accumulate(taps, DepthwiseWindowRows(rj[0] + offset, rj[1] + offset, rj[2] + offset, p3 + offset, p4 + offset),
                         inStride, zero, &a, S.self, T.self, E.self)
            a.store(out + (j &* outRowFloats &+ cb), c, T.self, activation)
        }
    }
}


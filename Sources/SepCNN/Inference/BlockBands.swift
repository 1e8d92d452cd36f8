/// One band of a fused separable block (`FusedBlockStep`, `QS8FusedBlockStep`): a few output rows,
/// the input rows their windows read, and how many of those the previous band already expanded.
struct BlockBand {
    /// The band's output rows, in the image.
    var outputRows: Range<Int>
    /// The input (expanded) rows its windows read, clipped to the image.
    var inputRows: Range<Int>
    /// Rows at the start of `inputRows` the previous band expanded too: they sit `keptOffset` rows
    /// into the expanded buffer and move to its start; the rest are expanded after them.
    var kept: Int
    var keptOffset: Int
    /// The band's depthwise convolution as one of its own: input = `inputRows`, padding only where
    /// the image has it, output = `outputRows`.
    var geometry: ConvGeometry

    /// The input rows the band must expand itself.
    var freshRows: Range<Int> { inputRows.lowerBound + kept ..< inputRows.upperBound }

    /// Input rows a band of `rows` output rows reads.
    static func inputRowCount(_ g: ConvGeometry, rows: Int) -> Int {
        (rows - 1) * g.strideHeight + (g.kernelHeight - 1) * g.dilationHeight + 1
    }

    /// Walks output rows `rows` of one image of depthwise geometry `g`, `bandRows` at a time, top
    /// to bottom, so each band can keep the expanded rows it shares with the one before.
    static func forEach(_ g: ConvGeometry, rows: Range<Int>, bandRows: Int, _ body: (BlockBand) -> Void) {
        var held = 0..<0  // input rows in the expanded buffer, in order from its start
        var y0 = rows.lowerBound
        while y0 < rows.upperBound {
            let count = min(bandRows, rows.upperBound - y0)
            let top = y0 * g.strideHeight - g.padTop  // first input row of the band's windows (may be < 0)
            let needed = max(0, top) ..< min(g.inputHeight, top + inputRowCount(g, rows: count))
            let shared = held.clamped(to: needed)
            let kept = shared.lowerBound == needed.lowerBound ? shared.count : 0
            var band = g
            band.batch = 1
            band.inputHeight = needed.count
            band.padTop = needed.lowerBound - top
            band.outputHeight = count
            body(BlockBand(outputRows: y0 ..< y0 + count, inputRows: needed, kept: kept,
                           keptOffset: needed.lowerBound - held.lowerBound, geometry: band))
            held = needed
            y0 += count
        }
    }

    /// The block's output rows of every image split over `pool` (by the usual small-step rule for
    /// `flops`), each part's share given image by image, since a part may span images:
    /// `body(part, image, rows)`, `rows` within that image.
    static func parallelForRows(_ g: ConvGeometry, flops: Int, pool: ThreadPool,
                                _ body: (_ part: Int, _ image: Int, _ rows: Range<Int>) -> Void) {
        let all = g.batch * g.outputHeight
        let parts = parallelParts(flops: flops, threads: pool.threads, units: all)
        pool.parallelFor(parts) { part in
            let range = partition(all, parts: parts, part: part)
            var row = range.lowerBound
            while row < range.upperBound {
                let image = row / g.outputHeight
                let end = min(range.upperBound, (image + 1) * g.outputHeight)
                body(part, image, row - image * g.outputHeight ..< end - image * g.outputHeight)
                row = end
            }
        }
    }
}

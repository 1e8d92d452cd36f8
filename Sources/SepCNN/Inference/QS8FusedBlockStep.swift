/// The int8 twin of `FusedBlockStep`: optional expand (1×1) → depthwise → project (1×1) →
/// optional residual addition of the block's input, a band of output rows at a time, each value
/// on the grid the unfused steps would have written it on. Results equal the unfused steps'.
///
/// int8 tensors are a quarter of float's size, but MobileNetV2's 112×112×96 expansion is still
/// 1.2 MB, written and read back by every stage; in bands it never leaves L2.
struct QS8FusedBlockStep: PlanStep {
    /// The depthwise convolution of the whole block (its input is the expanded tensor).
    let geometry: ConvGeometry
    let expand: QS8GEMMOperator?
    let depthwise: QS8DepthwiseOperator
    let project: QS8GEMMOperator
    /// Adds inputs[0] (the block's input) to the projection into the block's output grid: the
    /// projection is the addition's first operand, or its second when `residualSwapped`.
    let residual: QS8AddOperator?
    let residualSwapped: Bool
    /// Output rows per band, chosen so the band's buffers fit in L2.
    let bandRows: Int
    let inputs: [Int]
    let output: Int
    let label: String

    /// Bytes of band buffers (expanded rows + depthwise rows) a thread aims to keep in its L2,
    /// as the float block's.
    static let bandBudgetBytes = FusedBlockStep.bandBudgetBytes

    init(expand: QS8GEMMOperator?, depthwise: QS8DepthwiseOperator, project: QS8GEMMOperator, residual: QS8AddOperator?,
         residualSwapped: Bool = false, inputs: [Int], output: Int, label: String) {
        geometry = depthwise.geometry
        self.expand = expand
        self.depthwise = depthwise
        self.project = project
        self.residual = residual
        self.residualSwapped = residualSwapped
        self.inputs = inputs
        self.output = output
        self.label = label
        let g = depthwise.geometry
        var rows = 1
        while rows < g.outputHeight && FusedBlockStep.bandFloats(g, rows: rows + 1, expands: expand != nil) <= Self.bandBudgetBytes {
            rows += 1
        }
        bandRows = rows
    }

    private static func rounded(_ bytes: Int) -> Int { (bytes + 63) & ~63 }

    private var expandedBytes: Int {
        expand == nil ? 0 : Self.rounded(BlockBand.inputRowCount(geometry, rows: bandRows) * geometry.inputWidth * geometry.inputChannels)
    }

    private var filteredBytes: Int { Self.rounded(bandRows * geometry.outputWidth * geometry.outputChannels) }

    /// A GEMM's A rows flipped to u8: the larger of the two GEMMs' needs for one band.
    private var flipBytes: Int {
        let g = geometry
        let expandRows = BlockBand.inputRowCount(g, rows: bandRows) * g.inputWidth
        let expanding = expand.map { QS8GEMMOperator.scratchByteCount(rows: expandRows, k: $0.k, threads: 1) } ?? 0
        return max(expanding, QS8GEMMOperator.scratchByteCount(rows: bandRows * g.outputWidth, k: project.k, threads: 1))
    }

    /// Per thread: the expanded rows, the depthwise rows, the depthwise kernel's scratch, the GEMMs' flipped rows.
    private var partBytes: Int { expandedBytes + filteredBytes + Self.rounded(depthwise.rowScratchByteCount) + flipBytes }

    func scratchCount(threads: Int) -> Int { (partBytes * max(threads, 1) + 3) / 4 }

    func run(_ context: ExecutionContext) {
        let g = geometry
        let input = UnsafePointer(context.int8(inputs[0])), out = context.int8(output)
        // int8 MACs at a quarter of a float FLOP's cost (see QS8GEMMOperator).
        let flops = g.outputCount * (g.kernelHeight * g.kernelWidth + project.n) / 2
        let perPart = partBytes
        BlockBand.parallelForRows(g, flops: flops, pool: context.pool) { part, image, rows in
            runRows(image: image, rows: rows, input: input, output: out, scratch: context.scratchBytes + part * perPart)
        }
    }

    /// Output rows `rows` of one image, band by band.
    private func runRows(image: Int, rows: Range<Int>, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>,
                         scratch: UnsafeMutableRawPointer) {
        let g = geometry
        let inRowBytes = g.inputWidth * g.inputChannels           // one expanded (depthwise input) row
        let outChannels = project.n
        let blockInputChannels = expand?.k ?? g.inputChannels
        let x = input + image * g.inputHeight * g.inputWidth * blockInputChannels
        let y = output + image * g.outputHeight * g.outputWidth * outChannels
        let expanded = scratch.bindMemory(to: Int8.self, capacity: expandedBytes)
        let filtered = (scratch + expandedBytes).bindMemory(to: Int8.self, capacity: filteredBytes)
        let kernelScratch = scratch + expandedBytes + filteredBytes
        let flipped = (kernelScratch + Self.rounded(depthwise.rowScratchByteCount)).bindMemory(to: UInt8.self, capacity: flipBytes)
        BlockBand.forEach(g, rows: rows, bandRows: bandRows) { band in
            var source = x + band.inputRows.lowerBound * inRowBytes
            if let expand {
                // Keep the rows this band shares with the last one; expand only the new ones after them.
                if band.kept > 0 && band.keptOffset != 0 {
                    expanded.update(from: expanded + band.keptOffset * inRowBytes, count: band.kept * inRowBytes)
                }
                if !band.freshRows.isEmpty {
                    QS8GEMMOperator.multiply(rows: 0 ..< band.freshRows.count * g.inputWidth, columns: 0 ..< expand.n,
                                             a: x + band.freshRows.lowerBound * g.inputWidth * blockInputChannels,
                                             lda: blockInputChannels, packed: expand.packed, c: expanded + band.kept * inRowBytes,
                                             ldc: g.inputChannels, flipped: flipped)
                }
                source = UnsafePointer(expanded)
            }
            let count = band.outputRows.count
            depthwise.runRows(band.geometry, input: source, output: filtered, rows: 0 ..< count, scratch: kernelScratch)
            let target = y + band.outputRows.lowerBound * g.outputWidth * outChannels
            QS8GEMMOperator.multiply(rows: 0 ..< count * g.outputWidth, columns: 0 ..< outChannels, a: filtered, lda: g.outputChannels,
                                     packed: project.packed, c: target, ldc: outChannels, flipped: flipped)
            if let residual {
                let skip = x + band.outputRows.lowerBound * g.outputWidth * outChannels
                let elements = 0 ..< count * g.outputWidth * outChannels
                if residualSwapped {
                    qs8Add(elements, skip, target, constants: residual.constants, output: target)
                } else {
                    qs8Add(elements, target, skip, constants: residual.constants, output: target)
                }
            }
        }
    }
}

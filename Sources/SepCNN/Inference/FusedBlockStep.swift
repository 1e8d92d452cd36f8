/// A depthwise-separable block run a band of output rows at a time: optional expand (1×1) →
/// depthwise → project (1×1) → optional residual addition of the block's input.
///
/// Run layer by layer, MobileNetV2's early blocks write and re-read expanded tensors of several
/// megabytes (112×112×96 floats is 4.8 MB), which leave the core's caches: in the network their
/// depthwise layers ran 2–3× slower than alone. Here each thread expands only the input rows its
/// next few output rows need, into a buffer sized to stay in L2, keeps the rows the next band
/// shares (the kernel's overlap), and projects each band straight into the output. The
/// expanded and depthwise tensors never exist in full. Results equal the unfused steps'.
struct FusedBlockStep: PlanStep {
    /// The depthwise convolution of the whole block (its input is the expanded tensor).
    let geometry: ConvGeometry
    let expand: GEMMOperator?
    let depthwise: DepthwiseOperator
    let project: GEMMOperator
    /// Adds inputs[0] (the block's input) to the projection, MobileNetV2's residual.
    let residual: Bool
    /// Output rows per band, chosen so the band's buffers fit in L2.
    let bandRows: Int
    let inputs: [Int]
    let output: Int
    let label: String

    /// Bytes of band buffers (expanded rows + depthwise rows) a thread aims to keep in its L2 (1 MB on Zen 4).
    static let bandBudgetBytes = 384 * 1024

    init(expand: GEMMOperator?, depthwise: DepthwiseOperator, project: GEMMOperator,
         residual: Bool, inputs: [Int], output: Int, label: String) {
        geometry = depthwise.geometry
        self.expand = expand
        self.depthwise = depthwise
        self.project = project
        self.residual = residual
        self.inputs = inputs
        self.output = output
        self.label = label
        let g = depthwise.geometry
        var rows = 1
        while rows < g.outputHeight && Self.bandFloats(g, rows: rows + 1, expands: expand != nil) * 4 <= Self.bandBudgetBytes {
            rows += 1
        }
        bandRows = rows
    }

    static func bandFloats(_ g: ConvGeometry, rows: Int, expands: Bool) -> Int {
        let expanded = expands ? BlockBand.inputRowCount(g, rows: rows) * g.inputWidth * g.inputChannels : 0
        return expanded + rows * g.outputWidth * g.outputChannels
    }

    /// Per thread: the expanded rows, the depthwise rows (each rounded to whole cache lines), the kernel's scratch.
    private var partFloats: Int {
        let g = geometry
        let expanded = expand == nil ? 0 : BlockBand.inputRowCount(g, rows: bandRows) * g.inputWidth * g.inputChannels
        return roundedToCacheLine(expanded) + roundedToCacheLine(bandRows * g.outputWidth * g.outputChannels)
            + roundedToCacheLine(depthwiseScratchCount(g))
    }

    func scratchCount(threads: Int) -> Int { partFloats * threads }

    func run(_ context: ExecutionContext) {
        let g = geometry
        let input = context.read(inputs[0]), out = context.write(output)
        let flops = 2 * g.outputCount * (g.kernelHeight * g.kernelWidth + project.packed.n)
        let perPart = partFloats
        BlockBand.parallelForRows(g, flops: flops, pool: context.pool) { part, image, rows in
            runRows(image: image, rows: rows, input: input, output: out, scratch: context.scratch + part * perPart)
        }
    }

    /// Output rows `rows` of one image, band by band.
    private func runRows(image: Int, rows: Range<Int>, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                         scratch: UnsafeMutablePointer<Float>) {
        let g = geometry
        let inRowFloats = g.inputWidth * g.inputChannels           // one expanded (depthwise input) row
        let outChannels = project.packed.n
        let blockInputChannels = expand?.packed.k ?? g.inputChannels
        let x = input + image * g.inputHeight * g.inputWidth * blockInputChannels
        let y = output + image * g.outputHeight * g.outputWidth * outChannels
        let expanded = scratch
        let filtered = expanded + (expand == nil ? 0 : roundedToCacheLine(BlockBand.inputRowCount(g, rows: bandRows) * inRowFloats))
        let kernelScratch = filtered + roundedToCacheLine(bandRows * g.outputWidth * g.outputChannels)
        BlockBand.forEach(g, rows: rows, bandRows: bandRows) { band in
            var source = x + band.inputRows.lowerBound * inRowFloats
            if let expand {
                // Keep the rows this band shares with the last one; expand only the new ones after them.
                if band.kept > 0 && band.keptOffset != 0 {
                    expanded.update(from: expanded + band.keptOffset * inRowFloats, count: band.kept * inRowFloats)
                }
                if !band.freshRows.isEmpty {
                    gemmPacked(rows: 0 ..< band.freshRows.count * g.inputWidth, columns: 0 ..< expand.packed.n,
                               a: x + band.freshRows.lowerBound * g.inputWidth * blockInputChannels, lda: blockInputChannels,
                               packed: expand.packed, bias: expand.bias?.pointer, activation: expand.activation,
                               c: expanded + band.kept * inRowFloats, ldc: g.inputChannels)
                }
                source = UnsafePointer(expanded)
            }
            let count = band.outputRows.count
            depthwiseConv2DFast(band.geometry, input: source, weights: depthwise.weights.pointer, bias: depthwise.bias?.pointer,
                                activation: depthwise.activation, output: filtered, rows: 0 ..< count, scratch: kernelScratch)
            let target = y + band.outputRows.lowerBound * g.outputWidth * outChannels
            gemmPacked(rows: 0 ..< count * g.outputWidth, columns: 0 ..< outChannels, a: filtered, lda: g.outputChannels,
                       packed: project.packed, bias: project.bias?.pointer, activation: project.activation,
                       c: target, ldc: outChannels)
            if residual {
                add(target, x + band.outputRows.lowerBound * g.outputWidth * outChannels, output: target,
                    count: count * g.outputWidth * outChannels)
            }
        }
    }
}

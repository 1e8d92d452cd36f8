/// int8 `[rows, k] × [k, n]` plus bias with the activation fused as the output clamp (contract:
/// `qs8GEMMReference`): dense layers and 1×1 stride-1 convolutions (rows = pixels), TFLite's
/// full-integer scheme. Input and output are int8 per tensor (`input`, `output`); weights int8 in
/// [−127, 127] with one scale per output column and zero point 0; the real `bias` is quantized to
/// int32 at s_in · s_w[j] (ties to even) and the zero points are folded into it when packing.
struct QS8GEMMOperator: QS8UnaryOperator {
    let rows: Int
    let packed: QS8PackedGEMMWeights

    /// `weights` is row-major `[k, n]`, `weightScales` `[n]`, `bias` nil or `[n]` real values.
    /// Throws for negative rows, non-positive k or n, wrong counts, a weight of −128, a scale that is
    /// not positive and finite, k above 65 536 (int32 sums could overflow) or an activation other
    /// than linear, relu or relu6.
    init(rows: Int, k: Int, n: Int, weights: [Int8], weightScales: [Float], bias: [Float]?,
         input: QuantizationParameters, output: QuantizationParameters, activation: Activation) throws {
        guard rows >= 0, k > 0, n > 0 else {
            throw SepCNNError.shapeMismatch("int8 GEMM: rows \(rows) must not be negative, k \(k) and n \(n) must be positive")
        }
        guard k <= 65_536 else {
            throw SepCNNError.shapeMismatch("int8 GEMM: k \(k) is above 65536, where int32 sums of int8 products could overflow")
        }
        try qs8ValidateWeights(weights, count: k * n, scales: weightScales, channels: n, "int8 GEMM")
        if let bias { try requireCount(bias, n, "the bias", "int8 GEMM") }
        let clamp = try qs8ActivationRange(activation, output, "int8 GEMM")
        self.rows = rows
        packed = Self.pack(k: k, n: n, weights: weights, ldb: n, weightScales: weightScales, bias: bias,
                           input: input, output: output, clamp: clamp)
    }

    /// Packs `[k, n]` columns of a wider row-major matrix (row stride ldb) with their bias and multipliers.
    static func pack(k: Int, n: Int, weights: UnsafePointer<Int8>, ldb: Int, weightScales: [Float], bias: [Float]?,
                     input: QuantizationParameters, output: QuantizationParameters, clamp: QS8OutputClamp) -> QS8PackedGEMMWeights {
        let qbias = qs8QuantizeBias(bias, input: input, weightScales: weightScales)
        let m = qs8Multipliers(input: input, weightScales: weightScales, output: output)
        return QS8PackedGEMMWeights(k: k, n: n, b: weights, ldb: ldb, bias: qbias, multipliers: m,
                                    inputZeroPoint: input.zeroPoint, clamp: clamp)
    }

    var k: Int { packed.k }
    var n: Int { packed.n }

    /// Rows of A flipped to u8 at a time: about 64 KB, so a block stays in L2 for all the panels.
    static func rowBlock(k: Int) -> Int { max(24, 65_536 / max(k, 1)) }

    /// Each thread flips its A rows a block at a time into its share.
    func scratchByteCount(threads: Int) -> Int { Self.scratchByteCount(rows: rows, k: k, threads: threads) }

    static func scratchByteCount(rows: Int, k: Int, threads: Int) -> Int {
        max(threads, 1) &* ((min(rows, rowBlock(k: k)) &* k &+ 63) & ~63)
    }

    func run(input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>,
             scratch: UnsafeMutableRawPointer, pool: ThreadPool) {
        Self.multiply(rows: rows, a: input, lda: k, packed: packed, c: output, ldc: n, scratch: scratch, pool: pool)
    }

    /// C = requantize(A · B + bias) with B packed, rows (or, for few rows, panels) split over the pool,
    /// by the float GEMM's rule.
    /// `scratch` holds `scratchByteCount(rows: m, k:, threads: pool.threads)` bytes.
    static func multiply(rows m: Int, a: UnsafePointer<Int8>, lda: Int, packed: QS8PackedGEMMWeights,
                         c: UnsafeMutablePointer<Int8>, ldc: Int, scratch: UnsafeMutableRawPointer, pool: ThreadPool) {
        let n = packed.n, nr = packed.panelWidth, k = packed.k
        let perPart = (min(m, rowBlock(k: k)) &* k &+ 63) & ~63
        @inline(__always) func blocks(_ rows: Range<Int>, _ columns: Range<Int>, _ flipped: UnsafeMutablePointer<UInt8>) {
            multiply(rows: rows, columns: columns, a: a, lda: lda, packed: packed, c: c, ldc: ldc, flipped: flipped)
        }
        // int8 runs about 4× the float rate: count its MACs at a quarter so the serial threshold
        // means the same time.
        let parts = parallelParts(flops: m &* packed.k &* n / 2, threads: pool.threads, units: max(m, n / nr))
        if parts == 1 {
            blocks(0..<m, 0..<n, scratch.bindMemory(to: UInt8.self, capacity: perPart))
            return
        }
        let panels = (n &+ nr &- 1) / nr
        let largestRowPart = (m &+ parts &- 1) / parts, largestColumnPart = (panels &+ parts &- 1) / parts
        let splitRows = largestRowPart &* panels <= largestColumnPart &* m
        pool.parallelFor(parts) { part in
            let rows = splitRows ? partition(m, parts: parts, part: part) : 0..<m
            let columns = splitRows ? 0..<n : partition(n, parts: parts, part: part, granule: nr)
            guard !rows.isEmpty, !columns.isEmpty else { return }
            blocks(rows, columns, (scratch + part &* perPart).bindMemory(to: UInt8.self, capacity: perPart))
        }
    }

    /// Rows `rows` and columns `columns` of C on this thread: A flipped to u8 a block of rows at a
    /// time into `flipped` (`scratchByteCount(rows: rows.count, k:, threads: 1)` bytes), each block
    /// multiplied while it is in cache.
    @inline(__always)
    static func multiply(rows: Range<Int>, columns: Range<Int>, a: UnsafePointer<Int8>, lda: Int, packed: QS8PackedGEMMWeights,
                         c: UnsafeMutablePointer<Int8>, ldc: Int, flipped: UnsafeMutablePointer<UInt8>) {
        let k = packed.k, block = rowBlock(k: k)
        var start = rows.lowerBound
        while start < rows.upperBound {
            let count = min(block, rows.upperBound &- start)
            qs8FlipRows(count, k, a + start &* lda, lds: lda, flipped, ldd: k)
            qs8GEMMPacked(rows: count, columns: columns, a: flipped, lda: k, packed: packed, c: c + start &* ldc, ldc: ldc)
            start &+= count
        }
    }
}

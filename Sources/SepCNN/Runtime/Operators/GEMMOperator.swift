/// `[rows, k] × [k, n]` plus bias, then the activation: pointwise convolutions (rows = pixels),
/// 1×1 convolutions with stride 1 and dense layers (rows = batch), the weights packed once.
struct GEMMOperator: UnaryOperator {
    let rows: Int
    let packed: PackedGEMMWeights
    let bias: AlignedFloats?
    let activation: Activation

    /// `weights` is row-major `[k, n]`, `bias` nil or `[n]`.
    init(rows: Int, k: Int, n: Int, weights: [Float], bias: [Float]?, activation: Activation) throws {
        guard rows >= 0, k > 0, n > 0 else {
            throw SepCNNError.shapeMismatch("GEMM: rows \(rows) must not be negative, k \(k) and n \(n) must be positive")
        }
        try requireCount(weights, k * n, "the [\(k), \(n)] weights", "GEMM")
        if let bias { try requireCount(bias, n, "the bias", "GEMM") }
        self.rows = rows
        packed = weights.withUnsafeBufferPointer { PackedGEMMWeights(k: k, n: n, b: $0.baseAddress!, ldb: n) }
        self.bias = bias.map(AlignedFloats.init)
        self.activation = activation
    }

    var k: Int { packed.k }
    var n: Int { packed.n }

    func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
             scratch: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        Self.multiply(rows: rows, a: input, lda: k, packed: packed, bias: bias?.pointer, activation: activation,
                      c: output, ldc: n, pool: pool)
    }

    /// C = act(A · B + bias) with B packed, rows (or, for few rows, columns) split over the pool.
    static func multiply(rows m: Int, a: UnsafePointer<Float>, lda: Int, packed: PackedGEMMWeights,
                         bias: UnsafePointer<Float>?, activation: Activation,
                         c: UnsafeMutablePointer<Float>, ldc: Int, pool: ThreadPool) {
        let n = packed.n
        let parts = parallelParts(flops: 2 &* m &* packed.k &* n, threads: pool.threads, units: max(m, n / packed.panelWidth))
        if parts == 1 {
            gemmPacked(rows: 0..<m, columns: 0..<n, a: a, lda: lda, packed: packed, bias: bias, activation: activation, c: c, ldc: ldc)
            return
        }
        // Split whichever way leaves the largest part smaller: rows, or panel-aligned columns (Dense
        // with a batch of one has a single row). 7×7 layers have 49 rows and 5 panels of 320 columns:
        // split by panels, one thread got 3 of them, by rows 25 of 49 rows.
        let panels = (n &+ packed.panelWidth &- 1) / packed.panelWidth
        let largestRowPart = (m &+ parts &- 1) / parts, largestColumnPart = (panels &+ parts &- 1) / parts
        let splitRows = largestRowPart &* panels <= largestColumnPart &* m
        pool.parallelFor(parts) { part in
            let rows = splitRows ? partition(m, parts: parts, part: part) : 0..<m
            let columns = splitRows ? 0..<n : partition(n, parts: parts, part: part, granule: packed.panelWidth)
            guard !rows.isEmpty, !columns.isEmpty else { return }
            gemmPacked(rows: rows, columns: columns, a: a, lda: lda, packed: packed, bias: bias, activation: activation, c: c, ldc: ldc)
        }
    }
}

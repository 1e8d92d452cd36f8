/// Softmax along the last axis of `rows` rows of `columns` values.
struct SoftmaxOperator: UnaryOperator {
    let rows: Int, columns: Int

    /// Over the last axis of `shape`.
    init(shape: [Int]) throws {
        guard let last = shape.last, last > 0 else {
            throw SepCNNError.shapeMismatch("softmax needs a non-empty last axis, got \(describe(shape))")
        }
        columns = last
        rows = shape.reduce(1, *) / last
    }

    func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
             scratch: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        softmaxRows(input, output: output, rows: rows, columns: columns)
    }
}

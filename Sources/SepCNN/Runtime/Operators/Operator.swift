/// One operation prepared for one shape (XNNPACK's operator layer): created once, it validates the
/// shape, picks the kernel for that shape and this build's CPU, packs the weights and says how
/// much scratch it needs. Running it then allocates nothing and splits the work over a pool.
///
/// Layers create an operator per call and inference plans once per plan, so both run the same
/// kernel on the same shape: they cannot choose differently.
protocol UnaryOperator {
    /// Floats of scratch `run` needs on `threads` threads (0 for none).
    func scratchCount(threads: Int) -> Int
    /// Reads the input the operator was created for and writes every element of its output.
    /// `input` and `output` must not overlap; `scratch` holds `scratchCount(threads: pool.threads)` floats.
    func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
             scratch: UnsafeMutablePointer<Float>, pool: ThreadPool)
}

extension UnaryOperator {
    func scratchCount(threads: Int) -> Int { 0 }

    /// The layer path: runs on `input` into a new tensor of `outputShape`, with scratch allocated for this call.
    func callAsFunction(_ input: Tensor, outputShape: [Int], pool: ThreadPool = .shared) throws -> Tensor {
        let count = scratchCount(threads: pool.threads)
        guard count <= Tensor.maximumElementCount else {
            throw SepCNNError.shapeMismatch("input \(describe(input.shape)) would need \(count) floats of scratch; too large")
        }
        var scratch = [Float](repeating: 0, count: max(count, 1))
        return Tensor.computing(outputShape) { y in
            input.withPointer { x in
                scratch.withUnsafeMutableBufferPointer { s in run(input: x, output: y, scratch: s.baseAddress!, pool: pool) }
            }
        }
    }
}

/// Throws unless `values` holds `count` floats; operators check the weights they are given.
func requireCount(_ values: [Float], _ count: Int, _ what: String, _ operation: String) throws {
    guard values.count == count else {
        throw SepCNNError.shapeMismatch("\(operation): \(what) must hold \(count) values, got \(values.count)")
    }
}

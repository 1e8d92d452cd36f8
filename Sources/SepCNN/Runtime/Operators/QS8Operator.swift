/// An int8 operator (XNNPACK's qs8 family): as `UnaryOperator`, but its values are int8 with the
/// quantization parameters it was created for, and its scratch is bytes.
protocol QS8UnaryOperator {
    /// Bytes of scratch `run` needs on `threads` threads (0 for none).
    func scratchByteCount(threads: Int) -> Int
    /// Reads the input the operator was created for and writes every element of its output.
    /// `input` and `output` must not overlap; `scratch` holds `scratchByteCount(threads: pool.threads)` bytes,
    /// 64-byte aligned.
    func run(input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>,
             scratch: UnsafeMutableRawPointer, pool: ThreadPool)
}

extension QS8UnaryOperator {
    func scratchByteCount(threads: Int) -> Int { 0 }
}

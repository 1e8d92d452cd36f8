// int8 elementwise operators: residual addition, and the conversions at the int8 part's boundaries.
// Each splits its elements into contiguous ranges over the pool (one per thread once there are enough).

/// Parts for an elementwise pass over `count` elements: about 64 K elements before it is worth a thread.
private func elementwiseParts(_ count: Int, _ pool: ThreadPool) -> Int {
    parallelParts(flops: count &* 6, threads: pool.threads, units: max(count / 4096, 1))
}

/// out = a + b for two int8 tensors of `count` elements with their own parameters, into `output`'s
/// (contract: `qs8AddReference`), the activation fused as the output clamp.
struct QS8AddOperator {
    let count: Int
    let constants: QS8AddConstants

    /// Throws for a negative count or an activation other than linear, relu, relu6.
    init(count: Int, a: QuantizationParameters, b: QuantizationParameters, output: QuantizationParameters,
         activation: Activation) throws {
        guard count >= 0 else { throw SepCNNError.shapeMismatch("int8 add: the element count \(count) is negative") }
        self.count = count
        constants = QS8AddConstants(a: a, b: b, output: output, clamp: try qs8ActivationRange(activation, output, "int8 add"))
    }

    /// `output` may be `a` or `b` (each element is read before it is written).
    func run(_ a: UnsafePointer<Int8>, _ b: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>, pool: ThreadPool) {
        let count = count, k = constants, parts = elementwiseParts(count, pool)
        pool.parallelFor(parts) { part in qs8Add(partition(count, parts: parts, part: part, granule: 64), a, b, constants: k, output: output) }
    }
}

/// float → int8 with `q` (contract: `QuantizationParameters.quantize`).
struct QuantizeOperator {
    let count: Int
    let quantization: QuantizationParameters

    init(count: Int, _ q: QuantizationParameters) {
        self.count = max(count, 0)
        quantization = q
    }

    func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Int8>, pool: ThreadPool) {
        let count = count, q = quantization, parts = elementwiseParts(count, pool)
        pool.parallelFor(parts) { part in qs8Quantize(partition(count, parts: parts, part: part, granule: 64), q, input: input, output: output) }
    }
}

/// int8 → float with `q` (contract: `QuantizationParameters.dequantize`).
struct DequantizeOperator {
    let count: Int
    let quantization: QuantizationParameters

    init(count: Int, _ q: QuantizationParameters) {
        self.count = max(count, 0)
        quantization = q
    }

    func run(input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        let count = count, q = quantization, parts = elementwiseParts(count, pool)
        pool.parallelFor(parts) { part in qs8Dequantize(partition(count, parts: parts, part: part, granule: 64), q, input: input, output: output) }
    }
}

/// int8 with parameters `from` → int8 with `to` (contract: `qs8RequantizeReference`), e.g. where a
/// concatenation's inputs must share parameters.
struct QS8RequantizeOperator: QS8UnaryOperator {
    let count: Int
    let from: QuantizationParameters, to: QuantizationParameters

    init(count: Int, from: QuantizationParameters, to: QuantizationParameters) {
        self.count = max(count, 0)
        self.from = from
        self.to = to
    }

    func run(input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>,
             scratch: UnsafeMutableRawPointer, pool: ThreadPool) {
        let count = count, from = from, to = to, parts = elementwiseParts(count, pool)
        pool.parallelFor(parts) { part in
            qs8RequantizeElements(partition(count, parts: parts, part: part, granule: 64), from: from, to: to, input: input, output: output)
        }
    }
}

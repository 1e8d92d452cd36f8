@testable import SepCNN

/// Random int8 data and quantization parameters for the qs8 kernel tests (seeded, so failures repeat).
struct QS8Random {
    var generator: RandomGenerator
    init(seed: UInt64) { generator = RandomGenerator(seed: seed) }

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &generator) }
    mutating func bool() -> Bool { Bool.random(using: &generator) }
    mutating func activations(_ count: Int) -> [Int8] { (0..<count).map { _ in Int8.random(in: -128...127, using: &generator) } }
    mutating func weights(_ count: Int) -> [Int8] { (0..<count).map { _ in Int8.random(in: -127...127, using: &generator) } }
    mutating func floats(_ count: Int, _ range: ClosedRange<Float>) -> [Float] {
        (0..<count).map { _ in Float.random(in: range, using: &generator) }
    }
    mutating func parameters(scale: ClosedRange<Float> = 0.01...0.1) -> QuantizationParameters {
        try! QuantizationParameters(scale: Float.random(in: scale, using: &generator),
                                    zeroPoint: Int8.random(in: -100...100, using: &generator))
    }
    mutating func activation() -> Activation { [.linear, .relu, .relu6][int(0...2)] }
}

/// Runs a QS8UnaryOperator on `input` with its scratch, returning `count` outputs.
func runQS8<O: QS8UnaryOperator>(_ op: O, _ input: [Int8], outputCount count: Int, threads: Int) -> [Int8] {
    let pool = ThreadPool(threads: threads)
    let bytes = max(op.scratchByteCount(threads: threads), 1)
    let scratch = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
    defer { scratch.deallocate() }
    var output = [Int8](repeating: 77, count: count)
    input.withUnsafeBufferPointer { x in
        output.withUnsafeMutableBufferPointer { y in
            op.run(input: x.baseAddress!, output: y.baseAddress!, scratch: scratch, pool: pool)
        }
    }
    return output
}

/// The shared precomputation the operators make, for calling references the same way.
struct QS8LayerConstants {
    var bias: [Int32], multipliers: [Float], clamp: QS8OutputClamp
    init(bias: [Float]?, weightScales: [Float], input: QuantizationParameters, output: QuantizationParameters,
         activation: Activation) {
        self.bias = qs8QuantizeBias(bias, input: input, weightScales: weightScales)
        multipliers = qs8Multipliers(input: input, weightScales: weightScales, output: output)
        clamp = try! qs8ActivationRange(activation, output, "test")
    }
}

import Foundation

/// The elementwise activations a kernel can apply to its output as it stores it.
///
/// Definitions follow PyTorch: `hardSwish(x) = x · relu6(x + 3) / 6`,
/// `hardSigmoid(x) = relu6(x + 3) / 6`, `silu(x) = x · sigmoid(x)`.
public enum Activation: String, Sendable, CaseIterable, Codable {
    case linear, relu, relu6, hardSwish, hardSigmoid, sigmoid, silu

    @inline(__always)
    public func callAsFunction(_ x: Float) -> Float {
        switch self {
        case .linear: return x
        case .relu: return max(x, 0)
        case .relu6: return min(max(x, 0), 6)
        case .hardSwish: return x * (min(max(x + 3, 0), 6) * (1 / 6 as Float))
        case .hardSigmoid: return min(max(x + 3, 0), 6) * (1 / 6 as Float)
        case .sigmoid: return 1 / (1 + expf(-x))
        case .silu: return x / (1 + expf(-x))
        }
    }
}

/// output[i] = activation(input[i]); `input` and `output` may be the same buffer.
func applyActivation(_ activation: Activation, _ input: UnsafePointer<Float>,
                     _ output: UnsafeMutablePointer<Float>, count: Int) {
    // In place, the loops read and write one pointer: with two, LLVM's runtime overlap check sends
    // exactly overlapping buffers to its scalar loop, which made SiLU in a GEMM's epilogue 20× slower.
    if UnsafePointer(output) == input { return applyActivation(activation, inPlace: output, count: count) }
    switch activation {
    // One loop per case so each is a tight, vectorizable loop without a per-element switch.
    case .linear: output.update(from: input, count: count)
    case .relu: for i in 0..<count { output[i] = max(input[i], 0) }
    case .relu6: for i in 0..<count { output[i] = min(max(input[i], 0), 6) }
    case .sigmoid: for i in 0..<count { output[i] = fastSigmoid(input[i]) }
    case .silu: for i in 0..<count { output[i] = input[i] * fastSigmoid(input[i]) }
    case .hardSwish: for i in 0..<count { output[i] = input[i] * (min(max(input[i] + 3, 0), 6) * (1 / 6 as Float)) }
    case .hardSigmoid: for i in 0..<count { output[i] = min(max(input[i] + 3, 0), 6) * (1 / 6 as Float) }
    }
}

private func applyActivation(_ activation: Activation, inPlace x: UnsafeMutablePointer<Float>, count: Int) {
    switch activation {
    case .linear: return
    case .relu: for i in 0..<count { x[i] = max(x[i], 0) }
    case .relu6: for i in 0..<count { x[i] = min(max(x[i], 0), 6) }
    case .sigmoid: for i in 0..<count { x[i] = fastSigmoid(x[i]) }
    case .silu: for i in 0..<count { x[i] = x[i] * fastSigmoid(x[i]) }
    case .hardSwish: for i in 0..<count { x[i] = x[i] * (min(max(x[i] + 3, 0), 6) * (1 / 6 as Float)) }
    case .hardSigmoid: for i in 0..<count { x[i] = min(max(x[i] + 3, 0), 6) * (1 / 6 as Float) }
    }
}

/// Adds a per-channel bias (when given) and applies the activation, in place, to `rows` rows of `channels`.
/// The shared epilogue of every convolution and GEMM reference kernel.
func applyBiasAndActivation(_ data: UnsafeMutablePointer<Float>, rows: Int, channels: Int,
                            bias: UnsafePointer<Float>?, activation: Activation) {
    if let bias {
        for r in 0..<rows {
            let row = data + r &* channels
            for c in 0..<channels { row[c] += bias[c] }
        }
    }
    if activation != .linear {
        applyActivation(activation, data, data, count: rows &* channels)
    }
}

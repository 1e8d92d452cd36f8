import Foundation

extension Activation {
    /// d activation / dx at `x`, PyTorch's choice at the kinks: ReLU's derivative is 0 at 0, ReLU6's
    /// and hard sigmoid's are 0 at their corners (0, 6 and ±3), hard swish's is x/3 + 1/2 on (−3, 3),
    /// 0 at −3 and 1 at 3 (torch 2.15's hardswish_backward).
    @inline(__always)
    public func derivative(_ x: Float) -> Float {
        switch self {
        case .linear: return 1
        case .relu: return x > 0 ? 1 : 0
        case .relu6: return x > 0 && x < 6 ? 1 : 0
        case .hardSwish: return x <= -3 ? 0 : (x < 3 ? x * (1 / 3 as Float) + 0.5 : 1)
        case .hardSigmoid: return x > -3 && x < 3 ? 1 / 6 as Float : 0
        case .sigmoid:
            let s = 1 / (1 + expf(-x))
            return s * (1 - s)
        case .silu:
            let s = 1 / (1 + expf(-x))
            return s * (1 + x * (1 - s))
        }
    }
}

/// gradInput[i] = gradOutput[i] · activation′(input[i]), the plain reference for `activationBackward`.
func activationBackwardReference(_ activation: Activation, input: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                                 gradInput: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count { gradInput[i] = gradOutput[i] * activation.derivative(input[i]) }
}

/// gradInput[i] = gradOutput[i] · activation′(input[i]), where `input` is what the activation was
/// applied to. One loop per case, so each is tight and vectorizes; `gradInput` may be `gradOutput`.
func activationBackward(_ activation: Activation, input: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                        gradInput: UnsafeMutablePointer<Float>, count: Int) {
    switch activation {
    case .linear:
        if UnsafePointer(gradInput) != gradOutput { gradInput.update(from: gradOutput, count: count) }
    case .relu:
        for i in 0..<count { gradInput[i] = input[i] > 0 ? gradOutput[i] : 0 }
    case .relu6:
        for i in 0..<count { gradInput[i] = input[i] > 0 && input[i] < 6 ? gradOutput[i] : 0 }
    case .hardSwish:
        for i in 0..<count {
            let x = input[i]
            let slope: Float = x <= -3 ? 0 : (x < 3 ? x * (1 / 3 as Float) + 0.5 : 1)
            gradInput[i] = gradOutput[i] * slope
        }
    case .hardSigmoid:
        for i in 0..<count { gradInput[i] = input[i] > -3 && input[i] < 3 ? gradOutput[i] * (1 / 6 as Float) : 0 }
    case .sigmoid, .silu:
        for i in 0..<count { gradInput[i] = gradOutput[i] * activation.derivative(input[i]) }
    }
}

/// The input gradient of a row-wise softmax from its output: dx = y ⊙ (dy − Σ_j dy_j · y_j), row by row.
func softmaxRowsBackward(output: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                         gradInput: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
    for r in 0..<rows {
        let y = output + r &* columns, dy = gradOutput + r &* columns, dx = gradInput + r &* columns
        var dot: Float = 0
        for j in 0..<columns { dot += dy[j] * y[j] }
        for j in 0..<columns { dx[j] = y[j] * (dy[j] - dot) }
    }
}

/// The gradient of the gate in `multiplyChannels`: gradGate[n, c] = Σ_p gradOutput[n, p, c] · x[n, p, c].
/// (The gradient of x is `multiplyChannels(gradOutput, gate)`.) Overwrites `gradGate` (`batch · channels`).
func multiplyChannelsGateGradient(_ x: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                                  gradGate: UnsafeMutablePointer<Float>, batch: Int, pixels: Int, channels: Int) {
    for n in 0..<batch {
        let g = gradGate + n &* channels
        g.initialize(repeating: 0, count: channels)
        let base = n &* pixels &* channels
        for p in 0..<pixels {
            let offset = base &+ p &* channels
            for c in 0..<channels { g[c] += gradOutput[offset &+ c] * x[offset &+ c] }
        }
    }
}

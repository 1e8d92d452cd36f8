import Foundation

/// Adam with PyTorch's `torch.optim.Adam` semantics: weight decay is an L2 term added to the
/// gradient, and eps is added outside the square root of the bias-corrected second moment:
///
///     g = gradient + weightDecay·p
///     m = β1·m + (1 − β1)·g,   v = β2·v + (1 − β2)·g²
///     p = p − lr/(1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + eps)
public final class Adam: Optimizer {
    public var learningRate: Float
    public let beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float
    public var state = OptimizerState()

    /// - Parameters:
    ///   - learningRate: the step size, non-negative (default 1e-3, PyTorch's `lr`).
    ///   - beta1: decay of the gradient's running mean, in [0, 1) (default 0.9, PyTorch's `betas[0]`).
    ///   - beta2: decay of the squared gradient's running mean, in [0, 1) (default 0.999, `betas[1]`).
    ///   - epsilon: added to the denominator for stability, non-negative (default 1e-8, PyTorch's `eps`;
    ///     Keras's 1e-7 sits inside a differently scaled term).
    ///   - weightDecay: L2 coefficient added to the gradient, non-negative (default 0); use ``AdamW``
    ///     for decoupled decay.
    /// - Throws: ``SepCNNError`` naming the first hyperparameter out of range.
    public init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                weightDecay: Float = 0) throws {
        try validateAdam(learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay)
        self.learningRate = learningRate
        (self.beta1, self.beta2, self.epsilon, self.weightDecay) = (beta1, beta2, epsilon, weightDecay)
    }

    public func step(_ parameters: [(name: String, parameter: Parameter)]) throws {
        try adamUpdate(parameters, state: &state, learningRate: learningRate, beta1: beta1, beta2: beta2,
                       epsilon: epsilon, l2: weightDecay, decoupledDecay: 0)
    }
}

func validateAdam(learningRate: Float, beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float) throws {
    try requireHyperparameter(learningRate, "learning rate", in: 0...Float.greatestFiniteMagnitude)
    try requireHyperparameter(beta1, "beta1", in: 0...0.999_999_9)
    try requireHyperparameter(beta2, "beta2", in: 0...0.999_999_9)
    try requireHyperparameter(epsilon, "epsilon", in: 0...Float.greatestFiniteMagnitude)
    try requireHyperparameter(weightDecay, "weight decay", in: 0...Float.greatestFiniteMagnitude)
}

/// The update Adam and AdamW share: `l2` is Adam's gradient term, `decoupledDecay` AdamW's
/// `p ← p·(1 − lr·decay)` applied before the moment update.
func adamUpdate(_ parameters: [(name: String, parameter: Parameter)], state: inout OptimizerState,
                learningRate: Float, beta1: Float, beta2: Float, epsilon: Float, l2: Float, decoupledDecay: Float) throws {
    for (name, parameter, gradient) in try parametersToUpdate(parameters) {
        let step = state.steps[name, default: 0] + 1
        var m = state.tensors.removeValue(forKey: name + ".exp_avg") ?? Tensor(uncheckedShape: parameter.shape)
        var v = state.tensors.removeValue(forKey: name + ".exp_avg_sq") ?? Tensor(uncheckedShape: parameter.shape)
        // Scalars in double, as PyTorch computes them in Python floats.
        let correction1 = 1 - pow(Double(beta1), Double(step)), correction2 = 1 - pow(Double(beta2), Double(step))
        let constants = AdamConstants(
            beta1: beta1, beta2: beta2, epsilon: epsilon, l2: l2,
            decay: Float(1 - Double(learningRate) * Double(decoupledDecay)),
            stepSize: Float(Double(learningRate) / correction1),
            inverseRootCorrection2: Float(1 / correction2.squareRoot()))
        let count = parameter.count
        gradient.withPointer { g in
            parameter.value.withMutablePointer { p in
                m.withMutablePointer { m in
                    v.withMutablePointer { v in adamStep(count, p, g, m, v, constants) }
                }
            }
        }
        state.tensors[name + ".exp_avg"] = m
        state.tensors[name + ".exp_avg_sq"] = v
        state.steps[name] = step
    }
}

struct AdamConstants {
    var beta1, beta2, epsilon, l2, decay, stepSize, inverseRootCorrection2: Float
}

private func adamStep(_ count: Int, _ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>,
                      _ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>, _ c: AdamConstants) {
    @inline(__always) func update(_ p: SIMD16<Float>, _ g: SIMD16<Float>, _ m: SIMD16<Float>, _ v: SIMD16<Float>)
        -> (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>) {
        var d = g
        fmadd(&d, SIMD16(repeating: c.l2), p)
        let p = p * c.decay
        var nm = m
        fmadd(&nm, SIMD16(repeating: 1 - c.beta1), d - m)  // PyTorch's exp_avg.lerp_(g, 1 − β1)
        var nv = v * c.beta2
        fmadd(&nv, d * (1 - c.beta2), d)
        let denominator = nv.squareRoot() * c.inverseRootCorrection2 + c.epsilon
        return (p - c.stepSize * nm / denominator, nm, nv)
    }
    var i = 0
    while i &+ 16 <= count {
        let (np, nm, nv) = update(load16(p + i), load16(g + i), load16(m + i), load16(v + i))
        store16(p + i, np); store16(m + i, nm); store16(v + i, nv)
        i &+= 16
    }
    if i < count {
        let rest = count &- i
        let (np, nm, nv) = update(loadPartial16(p + i, rest), loadPartial16(g + i, rest),
                                  loadPartial16(m + i, rest), loadPartial16(v + i, rest))
        storePartial16(p + i, np, rest); storePartial16(m + i, nm, rest); storePartial16(v + i, nv, rest)
    }
}

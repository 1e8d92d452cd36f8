/// Adam with decoupled weight decay, PyTorch's `torch.optim.AdamW`: each step first shrinks the
/// parameter, `p ← p·(1 − lr·weightDecay)`, then applies Adam's update without an L2 term.
public final class AdamW: Optimizer {
    public var learningRate: Float
    public let beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float
    public var state = OptimizerState()

    /// - Parameters:
    ///   - learningRate: the step size, non-negative (default 1e-3, PyTorch's `lr`).
    ///   - beta1: decay of the gradient's running mean, in [0, 1) (default 0.9).
    ///   - beta2: decay of the squared gradient's running mean, in [0, 1) (default 0.999).
    ///   - epsilon: added to the denominator for stability, non-negative (default 1e-8).
    ///   - weightDecay: decoupled decay per step, scaled by the learning rate, non-negative
    ///     (default 0.01, PyTorch's).
    /// - Throws: ``SepCNNError`` naming the first hyperparameter out of range.
    public init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                weightDecay: Float = 0.01) throws {
        try validateAdam(learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay)
        self.learningRate = learningRate
        (self.beta1, self.beta2, self.epsilon, self.weightDecay) = (beta1, beta2, epsilon, weightDecay)
    }

    public func step(_ parameters: [(name: String, parameter: Parameter)]) throws {
        try adamUpdate(parameters, state: &state, learningRate: learningRate, beta1: beta1, beta2: beta2,
                       epsilon: epsilon, l2: 0, decoupledDecay: weightDecay)
    }
}

/// Stochastic gradient descent with PyTorch's `torch.optim.SGD` semantics (dampening 0):
///
///     g = gradient + weightDecay·p
///     b = g on the first step, else momentum·b + g        (only when momentum ≠ 0)
///     g = nesterov ? g + momentum·b : b
///     p = p − learningRate·g
public final class SGD: Optimizer {
    public var learningRate: Float
    public let momentum: Float
    public let weightDecay: Float
    public let nesterov: Bool
    public var state = OptimizerState()

    /// - Parameters:
    ///   - learningRate: the step size, non-negative; no default, as in PyTorch, since a good one
    ///     depends on the model (0.01 to 0.1 is common).
    ///   - momentum: weight of the previous update, in [0, 1] (default 0: plain SGD; 0.9 is common).
    ///   - weightDecay: L2 coefficient added to the gradient, non-negative (default 0).
    ///   - nesterov: Nesterov momentum (default false); needs a momentum above 0.
    /// - Throws: ``SepCNNError`` naming the first hyperparameter out of range.
    public init(learningRate: Float, momentum: Float = 0, weightDecay: Float = 0, nesterov: Bool = false) throws {
        try requireHyperparameter(learningRate, "learning rate", in: 0...Float.greatestFiniteMagnitude)
        try requireHyperparameter(momentum, "momentum", in: 0...1)
        try requireHyperparameter(weightDecay, "weight decay", in: 0...Float.greatestFiniteMagnitude)
        guard !nesterov || momentum > 0 else { throw SepCNNError.invalidArgument("Nesterov momentum requires a momentum above 0") }
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
        self.nesterov = nesterov
    }

    public func step(_ parameters: [(name: String, parameter: Parameter)]) throws {
        for (name, parameter, gradient) in try parametersToUpdate(parameters) {
            let key = name + ".momentum_buffer"
            var buffer = state.tensors.removeValue(forKey: key)
            let first = buffer == nil
            if momentum != 0 && first { buffer = Tensor(uncheckedShape: parameter.shape) }
            let count = parameter.count, lr = learningRate, wd = weightDecay, mu = momentum, nesterov = nesterov
            gradient.withPointer { g in
                parameter.value.withMutablePointer { p in
                    guard var momentumBuffer = buffer else {
                        sgdStep(count, p, g, nil, lr: lr, weightDecay: wd, momentum: 0, first: true, nesterov: false)
                        return
                    }
                    momentumBuffer.withMutablePointer { b in
                        sgdStep(count, p, g, b, lr: lr, weightDecay: wd, momentum: mu, first: first, nesterov: nesterov)
                    }
                    buffer = momentumBuffer
                }
            }
            if let buffer { state.tensors[key] = buffer }
            state.steps[name, default: 0] += 1
        }
    }
}

/// One SGD update over `count` elements; `b` (the momentum buffer) is nil without momentum.
private func sgdStep(_ count: Int, _ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>,
                     _ b: UnsafeMutablePointer<Float>?, lr: Float, weightDecay: Float, momentum: Float,
                     first: Bool, nesterov: Bool) {
    @inline(__always) func update(_ p: SIMD16<Float>, _ g: SIMD16<Float>, _ b: SIMD16<Float>) -> (SIMD16<Float>, SIMD16<Float>) {
        var d = g
        fmadd(&d, SIMD16(repeating: weightDecay), p)
        guard momentum != 0 else { return (p - lr * d, b) }
        var nb = d
        if !first { nb = momentum * b + d }
        if nesterov { fmadd(&d, SIMD16(repeating: momentum), nb) } else { d = nb }
        return (p - lr * d, nb)
    }
    var i = 0
    while i &+ 16 <= count {
        let (np, nb) = update(load16(p + i), load16(g + i), b.map { load16($0 + i) } ?? SIMD16())
        store16(p + i, np)
        if let b { store16(b + i, nb) }
        i &+= 16
    }
    if i < count {
        let rest = count &- i
        let (np, nb) = update(loadPartial16(p + i, rest), loadPartial16(g + i, rest), b.map { loadPartial16($0 + i, rest) } ?? SIMD16())
        storePartial16(p + i, np, rest)
        if let b { storePartial16(b + i, nb, rest) }
    }
}

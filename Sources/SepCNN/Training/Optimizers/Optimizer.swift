/// What an optimizer remembers between steps, in a form a checkpoint can save and restore exactly.
public struct OptimizerState: Equatable, Sendable {
    /// Per-parameter buffers keyed `"<parameter name>.<buffer>"` with PyTorch's buffer names:
    /// `features.0.weight.momentum_buffer`, `fc.bias.exp_avg`, `fc.bias.exp_avg_sq`.
    public var tensors: [String: Tensor]
    /// How many updates each parameter has received, keyed by parameter name (Adam's bias
    /// correction counts per parameter, as PyTorch's `state[p]["step"]` does).
    public var steps: [String: Int]

    /// - Parameters:
    ///   - tensors: buffers by `"<parameter name>.<buffer>"` (default: none, a fresh optimizer).
    ///   - steps: updates so far by parameter name (default: none).
    public init(tensors: [String: Tensor] = [:], steps: [String: Int] = [:]) {
        self.tensors = tensors
        self.steps = steps
    }
}

/// Updates parameters from their gradients (PyTorch's `optimizer.step()`).
///
/// `step(_:)` takes `model.namedParameters()`; it skips buffers (`isTrainable == false`) and
/// parameters whose `gradient` is nil, and keys its state by parameter name, so the same
/// optimizer can be saved, restored and continued on a rebuilt model.
public protocol Optimizer: AnyObject {
    var learningRate: Float { get set }
    /// The optimizer's memory; see `restore(_:for:)` to set it with checks.
    var state: OptimizerState { get set }
    func step(_ parameters: [(name: String, parameter: Parameter)]) throws
}

extension Optimizer {
    /// Replaces the state with a saved one, after checking that every buffer belongs to one of
    /// `parameters` and has its shape.
    public func restore(_ saved: OptimizerState, for parameters: [(name: String, parameter: Parameter)]) throws {
        let shapes = Dictionary(parameters.map { ($0.name, $0.parameter.shape) }, uniquingKeysWith: { first, _ in first })
        for (key, tensor) in saved.tensors.sorted(by: { $0.key < $1.key }) {
            guard let dot = key.lastIndex(of: "."), let shape = shapes[String(key[..<dot])] else {
                throw SepCNNError.invalidArgument("optimizer state '\(key)' belongs to no parameter of the model")
            }
            guard shape == tensor.shape else {
                throw SepCNNError.shapeMismatch("optimizer state '\(key)' has shape \(describe(tensor.shape)), but its parameter has \(describe(shape))")
            }
        }
        for (name, count) in saved.steps where shapes[name] == nil || count < 0 {
            throw SepCNNError.invalidArgument("optimizer step count for '\(name)' (\(count)) belongs to no parameter of the model")
        }
        state = saved
    }
}

/// The parameters an optimizer updates: trainable, with a gradient of the parameter's shape.
func parametersToUpdate(_ parameters: [(name: String, parameter: Parameter)])
    throws -> [(name: String, parameter: Parameter, gradient: Tensor)] {
    try parameters.compactMap { name, parameter in
        guard parameter.isTrainable, let gradient = parameter.gradient else { return nil }
        guard gradient.shape == parameter.shape else {
            throw SepCNNError.shapeMismatch("gradient of '\(name)' has shape \(describe(gradient.shape)), the parameter \(describe(parameter.shape))")
        }
        return (name, parameter, gradient)
    }
}

func requireHyperparameter(_ value: Float, _ name: String, in range: ClosedRange<Float>) throws {
    guard range.contains(value) else {
        throw SepCNNError.invalidArgument("\(name) must lie in [\(range.lowerBound), \(range.upperBound)], got \(value)")
    }
}

/// A layer that combines several inputs into one output, such as an elementwise sum or a
/// concatenation. Inside a `GraphNetwork` each of its nodes names where its inputs come from.
///
/// The single-input `Layer` requirements come for free: they treat the one input as the whole list,
/// so a multi-input layer that also accepts one input (one with a constant operand) works anywhere.
public protocol MultiInputLayer: Layer {
    /// The output shape for inputs of `inputShapes`; throws if they do not fit together.
    func outputShape(forInputs inputShapes: [[Int]]) throws -> [Int]
    /// Computes the layer from its inputs, in the order its graph node lists them.
    func forward(_ inputs: [Tensor], training: Bool) throws -> Tensor

    /// The gradients of a multi-input layer's inputs, one per input in the order they were given,
    /// from the gradient of its output; parameter gradients accumulate as with `Layer.Pullback`.
    typealias MultiInputPullback = (Tensor) throws -> [Tensor]

    /// Runs the layer like `forward(_:training:)` on several inputs and returns, with the output,
    /// its pullback. The same contract as the single-input `forwardWithPullback(_:training:)`.
    func forwardWithPullback(_ inputs: [Tensor], training: Bool) throws -> (output: Tensor, pullback: MultiInputPullback)
}

extension MultiInputLayer {
    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        try outputShape(forInputs: [inputShape])
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        try forward([input], training: training)
    }

    public func forwardWithPullback(_ inputs: [Tensor], training: Bool) throws -> (output: Tensor, pullback: MultiInputPullback) {
        throw SepCNNError.invalidArgument("\(typeName) does not support training (no backward pass)")
    }

    public func forwardWithPullback(_ input: Tensor, training: Bool) throws -> (output: Tensor, pullback: Pullback) {
        let (output, pullback) = try forwardWithPullback([input], training: training)
        return (output, { gradOutput in try pullback(gradOutput)[0] })
    }

    /// Runs the layer on several inputs in inference mode: `concatenate([a, b])`.
    public func callAsFunction(_ inputs: [Tensor], training: Bool = false) throws -> Tensor {
        try forward(inputs, training: training)
    }
}

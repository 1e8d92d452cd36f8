/// A named tensor a layer owns: a trainable weight, or a buffer such as BatchNorm's running mean.
///
/// Buffers and frozen weights (`isTrainable == false`) are saved and loaded with the weights and
/// counted as non-trainable parameters, as Keras does; optimizers leave them alone.
public final class Parameter {
    /// The current value. Its shape is fixed at creation; `assign` checks it.
    public internal(set) var value: Tensor
    /// The gradient accumulated by the last backward pass, if any.
    public var gradient: Tensor?
    /// Buffers hold state, not weights; they are never trained.
    public let isBuffer: Bool
    /// A frozen weight is left as it is by training (Keras's `trainable = False`, PyTorch's
    /// `requires_grad_(False)`); see `Layer.freeze()`.
    public var isFrozen = false
    /// Set when the weight is held on an int8 grid (`quantize(_:)`); its value is then `scale · q`.
    public internal(set) var quantization: WeightQuantization?

    /// Whether training updates this tensor: a weight that is not frozen.
    public var isTrainable: Bool { !isBuffer && !isFrozen }

    /// - Parameters:
    ///   - value: the initial tensor; its shape is the parameter's for good.
    ///   - trainable: false makes a buffer, state that is saved but never trained, as PyTorch's
    ///     `register_buffer` (default true: a weight, PyTorch's `nn.Parameter`).
    public init(_ value: Tensor, trainable: Bool = true) {
        self.value = value
        self.isBuffer = !trainable
    }

    public var shape: [Int] { value.shape }
    public var count: Int { value.count }

    /// Replaces the value with one of the same shape (e.g. weights loaded from a file).
    public func assign(_ newValue: Tensor) throws {
        guard newValue.shape == value.shape else {
            throw SepCNNError.shapeMismatch("cannot assign a tensor of shape \(describe(newValue.shape)) to a parameter of shape \(describe(value.shape))")
        }
        value = newValue
    }
}

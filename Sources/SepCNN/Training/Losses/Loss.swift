/// A scalar loss and its gradient with respect to the input it was computed from.
public struct LossValue: Sendable {
    /// The loss, averaged over the batch (PyTorch's `reduction="mean"`).
    public var value: Float
    /// d(value)/d(input), the same shape as the input: what `backward` starts from.
    public var gradient: Tensor
}

/// Loss functions with PyTorch's definitions and mean reduction.
public enum Loss {}

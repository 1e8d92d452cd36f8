/// A layer that applies one elementwise activation; the shape is unchanged.
public protocol ActivationLayer: Layer {
    var activation: Activation { get }
}

extension ActivationLayer {
    public func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        try ActivationOperator(activation: activation, count: input.count)(input, outputShape: input.shape)
    }

    public func forwardWithPullback(_ input: Tensor, training: Bool) throws -> (output: Tensor, pullback: Pullback) {
        let output = applying(activation, to: input)
        return (output, { [self] gradOutput in
            try requireGradientShape(gradOutput, input.shape, typeName)
            return activationGradient(activation, preActivation: input, gradOutput: gradOutput)
        })
    }
}

/// max(x, 0)
public final class ReLU: ActivationLayer {
    public let activation = Activation.relu
    public init() {}
}

/// min(max(x, 0), 6), MobileNet's activation.
public final class ReLU6: ActivationLayer {
    public let activation = Activation.relu6
    public init() {}
}

/// x · relu6(x + 3) / 6 (MobileNetV3).
public final class HardSwish: ActivationLayer {
    public let activation = Activation.hardSwish
    public init() {}
}

/// relu6(x + 3) / 6, PyTorch's definition (Keras 3's too).
public final class HardSigmoid: ActivationLayer {
    public let activation = Activation.hardSigmoid
    public init() {}
}

/// 1 / (1 + e^−x)
public final class Sigmoid: ActivationLayer {
    public let activation = Activation.sigmoid
    public init() {}
}

/// x · sigmoid(x), also called swish (EfficientNet).
public final class SiLU: ActivationLayer {
    public let activation = Activation.silu
    public init() {}
}

/// Softmax over the last axis (classes for `[batch, classes]`, channels for NHWC).
public final class Softmax: Layer {
    public init() {}

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard let last = inputShape.last, last > 0 else {
            throw SepCNNError.shapeMismatch("Softmax needs a non-empty last axis, got input \(describe(inputShape))")
        }
        return inputShape
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        let shape = try outputShape(for: input.shape)
        return try SoftmaxOperator(shape: shape)(input, outputShape: shape)
    }

    public func forwardWithPullback(_ input: Tensor, training: Bool) throws -> (output: Tensor, pullback: Pullback) {
        let output = try forward(input, training: training)
        return (output, { [self] gradOutput in
            try requireGradientShape(gradOutput, output.shape, typeName)
            let columns = output.shape[output.rank - 1]
            var gradInput = Tensor(uncheckedShape: output.shape)
            output.withPointer { y in
                gradOutput.withPointer { dy in
                    gradInput.withMutablePointer { dx in
                        softmaxRowsBackward(output: y, gradOutput: dy, gradInput: dx, rows: output.count / columns, columns: columns)
                    }
                }
            }
            return gradInput
        })
    }
}

extension ActivationLayer {
    func lower(into builder: inout PlanBuilder, input: Int, label: String) throws -> Int {
        let shape = builder.shape(of: input)
        return builder.emit(ActivationOperator(activation: activation, count: shape.reduce(1, *)), input: input, shape: shape, label: label)
    }
}

extension ReLU: LowerableLayer {}
extension ReLU6: LowerableLayer {}
extension HardSwish: LowerableLayer {}
extension HardSigmoid: LowerableLayer {}
extension Sigmoid: LowerableLayer {}
extension SiLU: LowerableLayer {}

extension Softmax: LowerableLayer {
    func lower(into builder: inout PlanBuilder, input: Int, label: String) throws -> Int {
        let shape = try outputShape(for: builder.shape(of: input))
        return builder.emit(try SoftmaxOperator(shape: shape), input: input, shape: shape, label: label)
    }
}

// The activation layers have no settings.
extension ReLU: SettingFreeLayer {}
extension ReLU6: SettingFreeLayer {}
extension HardSwish: SettingFreeLayer {}
extension HardSigmoid: SettingFreeLayer {}
extension Sigmoid: SettingFreeLayer {}
extension SiLU: SettingFreeLayer {}
extension Softmax: SettingFreeLayer {}

/// `min(max(scale · x + offset, minimum), maximum)`, elementwise. ONNX Clip (scale 1, offset 0)
/// and HardSigmoid with its own α and β (bounds 0 and 1) outside the cases `ReLU`, `ReLU6` and
/// `HardSigmoid` cover.
public final class Clamp: Layer {
    public let minimum: Float
    public let maximum: Float
    public let scale: Float
    public let offset: Float

    /// - Parameters:
    ///   - minimum: the lower bound (default −∞: none). `Clamp(minimum: 0)` is a ReLU.
    ///   - maximum: the upper bound (default +∞: none); must not be below `minimum`.
    ///   - scale: multiplies the input before clamping (default 1), for ONNX HardSigmoid's α.
    ///   - offset: added after scaling (default 0), for ONNX HardSigmoid's β.
    /// - Throws: ``SepCNNError`` if a bound is NaN, `minimum > maximum`, or `scale` or `offset` is not finite.
    public init(minimum: Float = -.infinity, maximum: Float = .infinity, scale: Float = 1, offset: Float = 0) throws {
        guard !minimum.isNaN, !maximum.isNaN, minimum <= maximum, scale.isFinite, offset.isFinite else {
            throw SepCNNError.invalidArgument("Clamp: needs minimum ≤ maximum and finite scale and offset, got [\(minimum), \(maximum)], \(scale), \(offset)")
        }
        self.minimum = minimum
        self.maximum = maximum
        self.scale = scale
        self.offset = offset
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        try ClampOperator(count: input.count, minimum: minimum, maximum: maximum, scale: scale, offset: offset)(input, outputShape: input.shape)
    }

    /// `scale · dy` where `minimum ≤ scale · x + offset ≤ maximum`, else 0: the bounds count as inside,
    /// as in `torch.clamp`'s backward (ONNX Clip is what `torch.clamp` exports to).
    public func forwardWithPullback(_ input: Tensor, training: Bool) throws -> (output: Tensor, pullback: Pullback) {
        let output = try forward(input, training: training)
        return (output, { [self] gradOutput in
            try requireGradientShape(gradOutput, input.shape, typeName)
            return Tensor.computing(input.shape) { dx in
                input.withPointer { x in
                    gradOutput.withPointer { dy in
                        clampBackward(x, gradOutput: dy, gradInput: dx, count: input.count,
                                      minimum: minimum, maximum: maximum, scale: scale, offset: offset)
                    }
                }
            }
        })
    }
}

extension Clamp: LowerableLayer {
    func lower(into builder: inout PlanBuilder, input: Int, label: String) throws -> Int {
        let shape = builder.shape(of: input)
        let operation = ClampOperator(count: shape.reduce(1, *), minimum: minimum, maximum: maximum, scale: scale, offset: offset)
        return builder.emit(operation, input: input, shape: shape, label: label)
    }
}

extension Clamp: DescribableLayer {
    public struct Configuration: Codable, Equatable, Sendable {
        public var minimum: Float
        public var maximum: Float
        public var scale: Float
        public var offset: Float
    }

    public var configuration: Configuration { Configuration(minimum: minimum, maximum: maximum, scale: scale, offset: offset) }

    public convenience init(configuration c: Configuration, children: [(name: String, layer: any Layer)]) throws {
        try self.init(minimum: c.minimum, maximum: c.maximum, scale: c.scale, offset: c.offset)
    }
}

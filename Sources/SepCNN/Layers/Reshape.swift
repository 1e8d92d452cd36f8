/// Gives each image's values a new shape, keeping their order and the batch dimension
/// (Keras `Reshape`; ONNX Reshape, Squeeze and Unsqueeze that leave the batch axis alone).
public final class Reshape: Layer {
    /// The per-image shape, without the batch dimension.
    public let targetShape: [Int]

    /// - Parameter targetShape: each image's new shape, without the batch dimension (as Keras
    ///   `Reshape(target_shape)`); its element count must equal the input image's.
    /// - Throws: ``SepCNNError`` if a dimension is not positive. A count that does not match the input
    ///   is refused when the input shape is known.
    public init(_ targetShape: [Int]) throws {
        guard targetShape.allSatisfy({ $0 > 0 }) else {
            throw SepCNNError.invalidArgument("Reshape: target dimensions must be positive, got \(describe(targetShape))")
        }
        self.targetShape = targetShape
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard let batch = inputShape.first, inputShape.dropFirst().reduce(1, *) == targetShape.reduce(1, *) else {
            throw SepCNNError.shapeMismatch("Reshape: input \(describe(inputShape)) does not hold images of \(describe(targetShape)) values")
        }
        return [batch] + targetShape
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        try input.reshaped(to: outputShape(for: input.shape))
    }

    /// The order of the values is unchanged, so the gradient is the output's, given the input's shape.
    public func forwardWithPullback(_ input: Tensor, training: Bool) throws -> (output: Tensor, pullback: Pullback) {
        let output = try forward(input, training: training)
        return (output, { [self] gradOutput in
            try requireGradientShape(gradOutput, output.shape, typeName)
            return try gradOutput.reshaped(to: input.shape)
        })
    }
}

extension Reshape: LowerableLayer {
    func lower(into builder: inout PlanBuilder, input: Int, label: String) throws -> Int {
        builder.emitCopy(input: input, shape: try outputShape(for: builder.shape(of: input)), label: label)
    }
}

extension Reshape: DescribableLayer {
    public struct Configuration: Codable, Equatable, Sendable {
        /// Per image, without the batch axis.
        public var targetShape: [Int]
    }

    public var configuration: Configuration { Configuration(targetShape: targetShape) }

    public convenience init(configuration c: Configuration, children: [(name: String, layer: any Layer)]) throws {
        try self.init(c.targetShape)
    }
}

/// Reorders the dimensions of its input, batch included (ONNX Transpose, `torch.permute`):
/// output dimension `i` is input dimension `order[i]`. ONNX import uses it to present an NHWC
/// tensor in ONNX's NCHW order where the model depends on that order (a Flatten of a spatial map).
public final class Permute: Layer {
    public let order: [Int]

    /// - Parameter order: output dimension `i` is input dimension `order[i]`, the batch included, as
    ///   `torch.permute(dims)`: `[0, 3, 1, 2]` turns NHWC into NCHW.
    /// - Throws: ``SepCNNError`` unless `order` is a permutation of `0..<order.count`.
    public init(order: [Int]) throws {
        guard order.sorted() == Array(0..<order.count) else {
            throw SepCNNError.invalidArgument("Permute: \(order) is not a permutation")
        }
        self.order = order
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard inputShape.count == order.count else {
            throw SepCNNError.shapeMismatch("Permute: order \(order) needs a rank-\(order.count) input, got \(describe(inputShape))")
        }
        return order.map { inputShape[$0] }
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        _ = try outputShape(for: input.shape)
        return try input.transposed(order)
    }

    /// The gradient moves back by the inverse permutation: input dimension `order[i]` is output dimension `i`.
    public func forwardWithPullback(_ input: Tensor, training: Bool) throws -> (output: Tensor, pullback: Pullback) {
        let output = try forward(input, training: training)
        var inverse = order
        for (i, dimension) in order.enumerated() { inverse[dimension] = i }
        return (output, { [self] gradOutput in
            try requireGradientShape(gradOutput, output.shape, typeName)
            return try gradOutput.transposed(inverse)
        })
    }
}

extension Permute: DescribableLayer {
    public struct Configuration: Codable, Equatable, Sendable {
        public var order: [Int]
    }

    public var configuration: Configuration { Configuration(order: order) }

    public convenience init(configuration c: Configuration, children: [(name: String, layer: any Layer)]) throws {
        try self.init(order: c.order)
    }
}

/// Reorders the dimensions of its input, batch included (ONNX Transpose, `torch.permute`):
/// output dimension `i` is input dimension `order[i]`. ONNX import uses it to present an NHWC
/// tensor in ONNX's NCHW order where the model depends on that order (a Flatten of a spatial map).
public final class Permute: Layer {
    public let order: [Int]

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

/// A named network and the per-image input shape it expects (`[height, width, channels]`).
///
/// The network is a `Sequential` for the built-in models and a `GraphNetwork` for imported ONNX graphs.
public final class Model {
    public let name: String
    public let inputShape: [Int]
    public let network: any Layer

    public init(name: String, inputShape: [Int], network: any Layer) {
        self.name = name
        self.inputShape = inputShape
        self.network = network
    }

    /// Runs the network on an NHWC batch `[N] + inputShape`; inference mode unless `training`.
    public func callAsFunction(_ input: Tensor, training: Bool = false) throws -> Tensor {
        guard input.rank == 4, Array(input.shape.dropFirst()) == inputShape else {
            throw SepCNNError.shapeMismatch(
                "model \(name) expects input [batch, \(inputShape.map(String.init).joined(separator: ", "))], got \(describe(input.shape))")
        }
        return try network.forward(input, training: training)
    }

    /// Every parameter and buffer with its dotted name (`features.3.depthwise.conv.weight`).
    public func namedParameters() -> [(name: String, parameter: Parameter)] { network.namedParameters() }

    /// The elementary operations in execution order with their shapes, for a batch of `batch` images.
    public func trace(batch: Int = 1) throws -> [LayerRecord] {
        var records: [LayerRecord] = []
        _ = try network.trace(name: "", inputShape: [batch] + inputShape, into: &records)
        return records
    }
}

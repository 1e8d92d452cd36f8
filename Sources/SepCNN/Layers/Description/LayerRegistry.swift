import Synchronization

/// Rebuilds layers from their descriptions: every `DescribableLayer` type, by its `layerType`.
///
/// SepCNN's own layers are registered from the start; register your own before loading a model
/// file that uses them.
public enum LayerRegistry {
    typealias Builder = @Sendable (JSONValue, [(name: String, layer: any Layer)]) throws -> any Layer

    private static let builders = Mutex<[String: Builder]>(
        Dictionary(uniqueKeysWithValues: builtInLayers.map { ($0.layerType, builder(for: $0)) }))

    /// Makes `type` rebuildable from descriptions; a later registration of the same `layerType` replaces it.
    public static func register<L: DescribableLayer>(_ type: L.Type) {
        builders.withLock { $0[type.layerType] = builder(for: type) }
    }

    /// Every type a description may name.
    public static var registeredTypes: [String] { builders.withLock { $0.keys.sorted() } }

    /// The layer `description` describes, with fresh weights drawn from the library-wide generator.
    /// Throws, naming the path inside the description, for an unknown type, a configuration that
    /// does not decode, or settings the layer rejects.
    public static func makeLayer(from description: LayerDescription) throws -> any Layer {
        let children = try description.children.map { child in
            (name: child.name, layer: try within(child.name) { try makeLayer(from: child.layer) })
        }
        guard let build = builders.withLock({ $0[description.type] }) else {
            throw SepCNNError.invalidFile("unknown layer type '\(description.type)'; known types are: \(registeredTypes.joined(separator: ", "))")
        }
        return try build(description.configuration, children)
    }

    private static func builder<L: DescribableLayer>(for type: L.Type) -> Builder {
        { configuration, children in
            let decoded: L.Configuration
            do { decoded = try configuration.decode(L.Configuration.self) } catch {
                throw SepCNNError.invalidFile("the configuration of \(L.layerType) is not valid: \(describeDecodingError(error))")
            }
            return try L(configuration: decoded, children: children)
        }
    }

    private static var builtInLayers: [any DescribableLayer.Type] { [
        Sequential.self, Residual.self, ChannelMultiply.self, GraphNetwork.self,
        Conv2D.self, DepthwiseConv2D.self, PointwiseConv2D.self, SeparableConv2D.self, Dense.self, BatchNorm.self,
        ReLU.self, ReLU6.self, HardSwish.self, HardSigmoid.self, Sigmoid.self, SiLU.self, Softmax.self, Clamp.self,
        Dropout.self, Flatten.self, Reshape.self, Permute.self, Concatenate.self, Elementwise.self,
        MaxPool2D.self, AvgPool2D.self, GlobalAvgPool.self,
    ] }
}

/// A `DecodingError` as one line: what was wrong and where.
func describeDecodingError(_ error: any Error) -> String {
    guard let error = error as? DecodingError else { return "\(error)" }
    func path(_ context: DecodingError.Context) -> String {
        let keys = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
        return keys.isEmpty ? "" : " at '\(keys.joined(separator: "."))'"
    }
    switch error {
    case .keyNotFound(let key, let context): return "missing '\(key.stringValue)'\(path(context))"
    case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
        return context.debugDescription + path(context)
    @unknown default: return "\(error)"
    }
}

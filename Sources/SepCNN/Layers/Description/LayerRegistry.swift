/// Rebuilds layers from their descriptions: every `DescribableLayer` type, by its `layerType`.
///
/// SepCNN's own layers are registered from the start; register your own before loading a model
/// file that uses them.
public enum LayerRegistry {
    typealias Builder = @Sendable (JSONValue, [(name: String, layer: any Layer)]) throws -> any Layer
    typealias Counter = @Sendable (JSONValue) throws -> Int

    private static let builders = Locked<[String: (build: Builder, count: Counter)]>(
        Dictionary(uniqueKeysWithValues: builtInLayers.map { ($0.layerType, entry(for: $0)) }))

    /// Makes `type` rebuildable from descriptions; a later registration of the same `layerType` replaces it.
    public static func register<L: DescribableLayer>(_ type: L.Type) {
        builders.withLock { $0[type.layerType] = entry(for: type) }
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
        return try entry(for: description.type).build(description.configuration, children)
    }

    /// The floats of weights and buffers the layers of `description` would allocate, computed
    /// without building them; throws like `makeLayer(from:)` for an unknown type or a bad configuration.
    public static func parameterCount(of description: LayerDescription) throws -> Int {
        let own = try entry(for: description.type).count(description.configuration)
        let children = try description.children.map { child in try within(child.name) { try parameterCount(of: child.layer) } }
        return saturatingSum([own] + children)
    }

    private static func entry(for type: String) throws -> (build: Builder, count: Counter) {
        guard let entry = builders.withLock({ $0[type] }) else {
            throw SepCNNError.invalidFile("unknown layer type '\(type)'; known types are: \(registeredTypes.joined(separator: ", "))")
        }
        return entry
    }

    private static func entry<L: DescribableLayer>(for type: L.Type) -> (build: Builder, count: Counter) {
        @Sendable func decoded(_ configuration: JSONValue) throws -> L.Configuration {
            do { return try configuration.decode(L.Configuration.self) } catch {
                throw SepCNNError.invalidFile("the configuration of \(L.layerType) is not valid: \(describeDecodingError(error))")
            }
        }
        return (build: { configuration, children in try L(configuration: try decoded(configuration), children: children) },
                count: { configuration in L.parameterCount(of: try decoded(configuration)) })
    }

    private static var builtInLayers: [any DescribableLayer.Type] { [
        Sequential.self, Residual.self, ChannelMultiply.self, GraphNetwork.self, FakeQuantize.self,
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

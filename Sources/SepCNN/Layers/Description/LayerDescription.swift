/// A layer's architecture without its weights: its type, its configuration and, for containers,
/// the descriptions of its children. It is what a model file stores in place of code, so any
/// network — built in, built by hand, imported or reshaped by a compression pass — can be saved
/// and rebuilt (`LayerRegistry.makeLayer(from:)`).
///
/// ```json
/// {"type": "DepthwiseConv2D", "configuration": {"channels": 32, "kernelSize": {"height": 3, "width": 3}, …}}
/// ```
public struct LayerDescription: Codable, Equatable, Sendable {
    /// The registered type, e.g. `Conv2D` (`DescribableLayer.layerType`).
    public var type: String
    /// The layer's own settings, as its `Configuration` encodes them.
    public var configuration: JSONValue
    /// Sub-layers with their local names, in the order of `Layer.children`.
    public var children: [Child]

    /// A named sub-layer of a container.
    public struct Child: Codable, Equatable, Sendable {
        public var name: String
        public var layer: LayerDescription

        /// - Parameters:
        ///   - name: the child's local name, its component in parameter paths.
        ///   - layer: the child's description.
        public init(name: String, layer: LayerDescription) {
            self.name = name
            self.layer = layer
        }
    }

    /// - Parameters:
    ///   - type: the registered layer type, such as `Conv2D`.
    ///   - configuration: the layer's settings as JSON (default: none, for a setting-free layer).
    ///   - children: the sub-layers' descriptions (default: none).
    public init(type: String, configuration: JSONValue = .object([:]), children: [Child] = []) {
        self.type = type
        self.configuration = configuration
        self.children = children
    }

    enum CodingKeys: String, CodingKey { case type, configuration, children }

    // Leaves omit empty children and configurations, which keeps imported graphs' descriptions short.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        type = try container.decode(String.self, forKey: .type)
        configuration = try container.decodeIfPresent(JSONValue.self, forKey: .configuration) ?? .object([:])
        children = try container.decodeIfPresent([Child].self, forKey: .children) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(type, forKey: .type)
        if configuration != .object([:]) { try container.encode(configuration, forKey: .configuration) }
        if !children.isEmpty { try container.encode(children, forKey: .children) }
    }

    /// The configuration decoded as `type`'s `Configuration`.
    public func configuration<C: Decodable>(as type: C.Type) throws -> C {
        try configuration.decode(C.self)
    }
}

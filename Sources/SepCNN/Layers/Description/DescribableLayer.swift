/// A layer that can be written as data (`LayerDescription`) and rebuilt from it with fresh weights.
///
/// Every layer SepCNN ships conforms. A layer of your own conforms the same way and is made known
/// to model files with `LayerRegistry.register(MyLayer.self)`.
public protocol DescribableLayer: Layer, SendableMetatype {
    /// Every setting needed to rebuild the layer; weights are not part of it.
    associatedtype Configuration: Codable
    /// The name descriptions store, unique among registered layers. Defaults to the class name.
    static var layerType: String { get }
    var configuration: Configuration { get }
    /// A layer with fresh weights from `configuration` and its already rebuilt `children` (in the
    /// order of `children`); throws when they do not fit together.
    init(configuration: Configuration, children: [(name: String, layer: any Layer)]) throws
}

extension DescribableLayer {
    public static var layerType: String { String(describing: Self.self) }
}

/// The configuration of layers that have none (activations, `Flatten`, containers).
public struct EmptyConfiguration: Codable, Equatable, Sendable {
    public init() {}
}

extension Layer {
    /// This layer's architecture as data. Throws, naming the layer's path, for a layer that is
    /// not a `DescribableLayer`.
    public func layerDescription() throws -> LayerDescription {
        guard let describable = self as? any DescribableLayer else {
            throw SepCNNError.invalidArgument(
                "\(typeName) cannot be described as data; make it a DescribableLayer and register it with LayerRegistry")
        }
        let configuration = try describable.encodedConfiguration()
        let children = try self.children.map { child in
            LayerDescription.Child(name: child.name, layer: try within(child.name) { try child.layer.layerDescription() })
        }
        return LayerDescription(type: type(of: describable).layerType, configuration: configuration, children: children)
    }
}

extension DescribableLayer {
    fileprivate func encodedConfiguration() throws -> JSONValue { try JSONValue(encoding: configuration) }
}

/// A layer without settings or children, rebuilt by its plain initialiser.
public protocol SettingFreeLayer: DescribableLayer where Configuration == EmptyConfiguration {
    init()
}

extension SettingFreeLayer {
    public var configuration: EmptyConfiguration { EmptyConfiguration() }

    public init(configuration: EmptyConfiguration, children: [(name: String, layer: any Layer)]) throws {
        self.init()
    }
}

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
    ///
    /// The configuration is what ``configuration`` returned and a model file stores; the children are
    /// the sub-layers with their local names, as `children` listed them (none for a leaf layer).
    ///
    /// - Throws: ``SepCNNError`` naming the layer when a setting is out of range or the children do
    ///   not fit.
    init(configuration: Configuration, children: [(name: String, layer: any Layer)]) throws
    /// How many floats of weights and buffers a layer of `configuration` allocates (children not
    /// counted), so that a description read from a file is checked against the tensors the file
    /// holds before anything is allocated. Saturates instead of overflowing.
    static func parameterCount(of configuration: Configuration) -> Int
}

extension DescribableLayer {
    public static var layerType: String { String(describing: Self.self) }
    public static func parameterCount(of configuration: Configuration) -> Int { 0 }
}

/// The product of `factors` (negative ones count as 0), or `Int.max` if it overflows: for counts a
/// file claims, before they are checked.
func saturatingProduct(_ factors: [Int]) -> Int {
    var product = 1
    for factor in factors {
        let (next, overflow) = product.multipliedReportingOverflow(by: max(factor, 0))
        if overflow { return .max }
        product = next
    }
    return product
}

func saturatingProduct(_ factors: Int...) -> Int { saturatingProduct(factors) }

/// The sum of `terms`, or `Int.max` if it overflows.
func saturatingSum(_ terms: [Int]) -> Int {
    var sum = 0
    for term in terms {
        let (next, overflow) = sum.addingReportingOverflow(max(term, 0))
        if overflow { return .max }
        sum = next
    }
    return sum
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

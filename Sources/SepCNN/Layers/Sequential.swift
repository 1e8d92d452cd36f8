/// Layers applied one after another (PyTorch `nn.Sequential`, Keras `Sequential`).
///
/// Children are named by position (`0`, `1`, …) or explicitly; the names form the paths of
/// parameters (`features.3.depthwise.weight`) and of errors.
public final class Sequential: Layer {
    public let layers: [(name: String, layer: any Layer)]

    /// Children named by position: `0`, `1`, …
    ///
    /// - Parameter layers: the layers, applied first to last.
    public convenience init(_ layers: [any Layer]) {
        self.init(named: layers.enumerated().map { ("\($0.offset)", $0.element) })
    }

    /// Children with the given names, which must be unique and must not contain dots.
    ///
    /// - Parameter layers: names and layers, applied first to last, as PyTorch's
    ///   `nn.Sequential(OrderedDict(...))`. The names become parameter paths (`block.depthwise.weight`);
    ///   duplicate, empty or dotted names are a precondition failure, since they are a programming error.
    public init(named layers: [(String, any Layer)]) {
        let names = layers.map(\.0)
        precondition(Set(names).count == names.count, "Sequential: duplicate child names in \(names)")
        precondition(!names.contains { $0.isEmpty || $0.contains(".") }, "Sequential: child names must be non-empty and dot-free: \(names)")
        self.layers = layers.map { (name: $0.0, layer: $0.1) }
    }

    public var children: [(name: String, layer: any Layer)] { layers }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        var shape = inputShape
        for (name, layer) in layers { shape = try within(name) { try layer.outputShape(for: shape) } }
        return shape
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        var x = input
        for (name, layer) in layers { x = try within(name) { try layer.forward(x, training: training) } }
        return x
    }

    public func trace(name: String, inputShape: [Int], into records: inout [LayerRecord]) throws -> [Int] {
        var shape = inputShape
        for (child, layer) in layers {
            shape = try within(child) {
                try layer.trace(name: name.isEmpty ? child : "\(name).\(child)", inputShape: shape, into: &records)
            }
        }
        return shape
    }

    public func forwardWithPullback(_ input: Tensor, training: Bool) throws -> (output: Tensor, pullback: Pullback) {
        var x = input
        var pullbacks: [(name: String, pullback: Pullback)] = []
        pullbacks.reserveCapacity(layers.count)
        for (name, layer) in layers {
            let (y, pullback) = try within(name) { try layer.forwardWithPullback(x, training: training) }
            pullbacks.append((name, pullback))
            x = y
        }
        return (x, { gradOutput in
            var gradient = gradOutput
            for (name, pullback) in pullbacks.reversed() {
                gradient = try within(name) { try pullback(gradient) }
            }
            return gradient
        })
    }
}

extension Sequential: SequenceLayer, LowerableLayer {
    var sequence: [(name: String, layer: any Layer)] { layers }

    func lower(into builder: inout PlanBuilder, input: Int, label: String) throws -> Int {
        try builder.lower(self, name: label, input: input)
    }
}

extension Sequential: DescribableLayer {
    public var configuration: EmptyConfiguration { EmptyConfiguration() }

    public convenience init(configuration: EmptyConfiguration, children: [(name: String, layer: any Layer)]) throws {
        try Self.requireChildNames(children.map(\.name))
        self.init(named: children.map { ($0.name, $0.layer) })
    }

    /// The preconditions of `init(named:)` as a thrown error, for names read from a file.
    static func requireChildNames(_ names: [String]) throws {
        guard Set(names).count == names.count, !names.contains(where: { $0.isEmpty || $0.contains(".") }) else {
            throw SepCNNError.invalidFile("child names must be unique, non-empty and dot-free, got \(names.prefix(20))")
        }
    }
}

/// A network whose layers form a directed acyclic graph rather than a chain: each node is a
/// layer reading one or more earlier values (Keras's functional API; an imported ONNX graph).
///
/// Values are numbered: value 0 is the network's input and value `i + 1` is the output of node
/// `i`. A node may read only the input and the outputs of nodes before it, so the node order is an
/// execution order and the graph cannot contain a cycle. Nodes are this layer's children, named
/// by their node names (`conv_12.weight`).
public final class GraphNetwork: Layer {
    public struct Node {
        /// Unique, non-empty and dot-free: it is the node's path component in parameter names.
        public let name: String
        public let layer: any Layer
        /// Values read, in order; a layer that is not a `MultiInputLayer` reads exactly one.
        public let inputs: [Int]

        /// - Parameters:
        ///   - name: unique, non-empty and dot-free: the node's component in parameter names.
        ///   - layer: the layer the node runs.
        ///   - inputs: the values it reads, in order: 0 is the network's input, `i + 1` the output of
        ///     node `i`; only earlier values may be read. One value, unless `layer` is a ``MultiInputLayer``.
        public init(name: String, layer: any Layer, inputs: [Int]) {
            self.name = name
            self.layer = layer
            self.inputs = inputs
        }
    }

    public let nodes: [Node]
    /// The value the network returns.
    public let output: Int

    /// Throws unless every node reads only earlier values with the right number of inputs, the
    /// names are unique and dot-free, and `output` is a value of the graph.
    ///
    /// - Parameters:
    ///   - nodes: the layers in execution order, each naming the values it reads.
    ///   - output: the value the network returns: 0 (the input) through `nodes.count`, usually the last.
    /// - Throws: ``SepCNNError`` naming the first node that breaks one of these rules.
    public init(nodes: [Node], output: Int) throws {
        var names = Set<String>()
        for (index, node) in nodes.enumerated() {
            guard !node.name.isEmpty, !node.name.contains("."), names.insert(node.name).inserted else {
                throw SepCNNError.invalidArgument("GraphNetwork: node names must be unique, non-empty and dot-free; '\(node.name)' is not")
            }
            guard !node.inputs.isEmpty, node.inputs.allSatisfy({ (0...index).contains($0) }) else {
                throw SepCNNError.invalidArgument(
                    "GraphNetwork: node '\(node.name)' (number \(index)) may read only values 0...\(index), got \(node.inputs)")
            }
            guard node.inputs.count == 1 || node.layer is any MultiInputLayer else {
                throw SepCNNError.invalidArgument(
                    "GraphNetwork: node '\(node.name)' is a \(node.layer.typeName), which takes one input, but lists \(node.inputs.count)")
            }
        }
        guard (0...nodes.count).contains(output) else {
            throw SepCNNError.invalidArgument("GraphNetwork: output value \(output) is not in 0...\(nodes.count)")
        }
        self.nodes = nodes
        self.output = output
    }

    public var children: [(name: String, layer: any Layer)] { nodes.map { ($0.name, $0.layer) } }

    /// The shape of every value for an input of `inputShape`.
    func valueShapes(for inputShape: [Int]) throws -> [[Int]] {
        var shapes = [inputShape]
        for node in nodes {
            let inputs = node.inputs.map { shapes[$0] }
            shapes.append(try within(node.name) { try Self.outputShape(node.layer, inputs) })
        }
        return shapes
    }

    private static func outputShape(_ layer: any Layer, _ inputs: [[Int]]) throws -> [Int] {
        if let multi = layer as? any MultiInputLayer { return try multi.outputShape(forInputs: inputs) }
        return try layer.outputShape(for: inputs[0])
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        try valueShapes(for: inputShape)[output]
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        // Each value is dropped after its last reader so memory stays near the widest cut of the graph.
        var lastUse = [Int](repeating: -1, count: nodes.count + 1)
        for (index, node) in nodes.enumerated() { for value in node.inputs { lastUse[value] = index } }
        var values = [Tensor?](repeating: nil, count: nodes.count + 1)
        values[0] = input
        for (index, node) in nodes.enumerated() {
            let inputs = node.inputs.map { values[$0]! }
            values[index + 1] = try within(node.name) {
                if let multi = node.layer as? any MultiInputLayer { return try multi.forward(inputs, training: training) }
                return try node.layer.forward(inputs[0], training: training)
            }
            for value in node.inputs where lastUse[value] == index && value != output { values[value] = nil }
        }
        return values[output]!
    }

    /// Forward records every node's pullback; backward walks the nodes in reverse order, so a value's
    /// gradient is complete (summed over every node that read it, as at a residual fan-out) before
    /// the node that computed it is reached, and is dropped once that node has used it. Nodes the
    /// output does not depend on are skipped: their parameters get no gradient, as in PyTorch.
    public func forwardWithPullback(_ input: Tensor, training: Bool) throws -> (output: Tensor, pullback: Pullback) {
        var lastUse = [Int](repeating: -1, count: nodes.count + 1)
        for (index, node) in nodes.enumerated() { for value in node.inputs { lastUse[value] = index } }
        var values = [Tensor?](repeating: nil, count: nodes.count + 1)
        values[0] = input
        var shapes = [input.shape]
        var pullbacks: [MultiInputLayer.MultiInputPullback] = []
        pullbacks.reserveCapacity(nodes.count)
        for (index, node) in nodes.enumerated() {
            let inputs = node.inputs.map { values[$0]! }
            let (value, pullback) = try within(node.name) { () throws -> (Tensor, MultiInputLayer.MultiInputPullback) in
                if let multi = node.layer as? any MultiInputLayer { return try multi.forwardWithPullback(inputs, training: training) }
                let (y, back) = try node.layer.forwardWithPullback(inputs[0], training: training)
                return (y, { gradOutput in [try back(gradOutput)] })
            }
            values[index + 1] = value
            shapes.append(value.shape)
            pullbacks.append(pullback)
            for value in node.inputs where lastUse[value] == index && value != output { values[value] = nil }
        }
        let result = values[output]!
        return (result, { [self] gradOutput in
            try requireGradientShape(gradOutput, result.shape, typeName)
            var gradients = [Tensor?](repeating: nil, count: nodes.count + 1)
            gradients[output] = gradOutput
            for index in nodes.indices.reversed() {
                guard let gradient = gradients[index + 1] else { continue }
                gradients[index + 1] = nil
                let node = nodes[index]
                let inputGradients = try within(node.name) { try pullbacks[index](gradient) }
                guard inputGradients.count == node.inputs.count,
                      zip(node.inputs, inputGradients).allSatisfy({ shapes[$0] == $1.shape }) else {
                    throw SepCNNError.shapeMismatch(
                        "internal: node '\(node.name)' returned input gradients of shapes \(inputGradients.map { describe($0.shape) }) "
                            + "for inputs \(node.inputs.map { describe(shapes[$0]) })")
                }
                for (value, inputGradient) in zip(node.inputs, inputGradients) {
                    if gradients[value] == nil {
                        gradients[value] = inputGradient
                    } else {
                        gradients[value]!.withMutablePointer { g in
                            inputGradient.withPointer { d in addInPlace(g, d, count: inputGradient.count) }
                        }
                    }
                }
            }
            return gradients[0] ?? Tensor(uncheckedShape: shapes[0])
        })
    }

    public func trace(name: String, inputShape: [Int], into records: inout [LayerRecord]) throws -> [Int] {
        var shapes = [inputShape]
        for node in nodes {
            let path = name.isEmpty ? node.name : "\(name).\(node.name)"
            let inputs = node.inputs.map { shapes[$0] }
            shapes.append(try within(node.name) {
                if node.layer is any MultiInputLayer {
                    let output = try Self.outputShape(node.layer, inputs)
                    records.append(LayerRecord(name: path, layer: node.layer, inputShape: inputs[0], outputShape: output))
                    return output
                }
                return try node.layer.trace(name: path, inputShape: inputs[0], into: &records)
            })
        }
        return shapes[output]
    }
}

extension GraphNetwork: LowerableLayer {
    func lower(into builder: inout PlanBuilder, input: Int, label: String) throws -> Int {
        try builder.lowerGraph(self, name: label, input: input)
    }
}

extension GraphNetwork: DescribableLayer {
    /// The edges; the nodes' layers are the children, in node order.
    public struct Configuration: Codable, Equatable, Sendable {
        /// For each node, the values it reads (0 is the network's input, i + 1 node i's output).
        public var inputs: [[Int]]
        public var output: Int
    }

    public var configuration: Configuration { Configuration(inputs: nodes.map(\.inputs), output: output) }

    public convenience init(configuration c: Configuration, children: [(name: String, layer: any Layer)]) throws {
        guard c.inputs.count == children.count else {
            throw SepCNNError.invalidFile("GraphNetwork: \(c.inputs.count) node input lists for \(children.count) nodes")
        }
        try self.init(nodes: zip(children, c.inputs).map { Node(name: $0.name, layer: $0.layer, inputs: $1) }, output: c.output)
    }
}

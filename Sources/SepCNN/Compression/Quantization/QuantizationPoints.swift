/// The graph rewrite before calibration: BatchNorms folded into the convolutions before them,
/// separable convolutions opened into their two halves, and an observing `FakeQuantize` wherever
/// an int8 model needs a value's scale — the input, each convolution's or dense layer's output
/// after the ReLU/ReLU6 fused into it, each residual addition, and the output of any layer without
/// an int8 kernel that feeds more layers. Pooling, flattening and dropout keep their input's
/// scale, as TFLite's int8 kernels do, so they get none.
///
/// Parameter names are unchanged (a folded convolution gains `bias`), so a quantized model file
/// reads like the float one plus `*_quant` layers.
struct QuantizationPoints {
    /// Every observing FakeQuantize inserted, with its path, in execution order.
    private(set) var points: [(name: String, layer: FakeQuantize)] = []

    /// The rewritten network, its input observed first.
    mutating func prepare(_ network: any Layer) throws -> any Layer {
        let input = observer()
        if let graph = network as? GraphNetwork {
            return try rewrite(graph, prefix: "", quantizingInput: input)
        }
        points.append(("input_quant", input))
        let body = try rewrite(sequence: (network as? Sequential)?.layers ?? [("0", network)], prefix: "", isOutermost: true)
        return Sequential(named: [("input_quant", input)] + body.map { ($0.name, $0.layer) })
    }

    private func observer() -> FakeQuantize {
        let layer = FakeQuantize(QuantizationParameters(range: 0, 0))
        layer.observer = RangeObserver()
        return layer
    }

    // MARK: - Which values need a scale

    /// Layers whose int8 form writes its input's scale.
    static func keepsScale(_ layer: any Layer) -> Bool {
        layer is MaxPool2D || layer is AvgPool2D || layer is GlobalAvgPool || layer is Flatten || layer is Reshape
            || layer is Dropout || layer is FakeQuantize
    }

    static func fusesIntoStore(_ activation: any Layer) -> Bool {
        guard let activation = activation as? any ActivationLayer else { return false }
        return [.relu, .relu6].contains(activation.activation)
    }

    /// Whether the value `layer` writes gets a FakeQuantize, given the layer reading it next (nil
    /// at the end of a run) and whether it is the network's final output.
    private static func needsPoint(after layer: any Layer, next: (any Layer)?, isOutput: Bool) -> Bool {
        if keepsScale(layer) || layer is Sequential { return false }
        if let conv = layer as? any FoldableLayer {
            return !(conv.folded.activation == .linear && next.map(fusesIntoStore) == true)
        }
        // A float-only final layer (Softmax, say) gives the float output directly.
        return !isOutput || layer is Residual
    }

    // MARK: - Sequences

    private mutating func rewrite(sequence: [(name: String, layer: any Layer)], prefix: String,
                                  isOutermost: Bool) throws -> [(name: String, layer: any Layer)] {
        let folded = try Self.foldingBatchNorms(in: sequence)
        var names = Set(folded.map(\.name))
        var result: [(name: String, layer: any Layer)] = []
        for (index, child) in folded.enumerated() {
            let path = prefix.isEmpty ? child.name : "\(prefix).\(child.name)"
            result.append((child.name, try rewrite(child.layer, path: path)))
            let next = index + 1 < folded.count ? folded[index + 1].layer : nil
            if Self.needsPoint(after: child.layer, next: next, isOutput: isOutermost && next == nil) {
                var name = child.name + "_quant"
                while !names.insert(name).inserted { name += "_" }
                let point = observer()
                points.append((prefix.isEmpty ? name : "\(prefix).\(name)", point))
                result.append((name, point))
            }
        }
        return result
    }

    /// Containers rewritten inside; leaves as they are.
    private mutating func rewrite(_ layer: any Layer, path: String) throws -> any Layer {
        switch layer {
        case let sequential as Sequential:
            return Sequential(named: try rewrite(sequence: sequential.layers, prefix: path, isOutermost: false).map { ($0.name, $0.layer) })
        case let separable as SeparableConv2D:
            return Sequential(named: try rewrite(sequence: separable.children, prefix: path, isOutermost: false).map { ($0.name, $0.layer) })
        case let residual as Residual:
            let body = try rewrite(sequence: residual.body.layers, prefix: path, isOutermost: false)
            let shortcut = try residual.shortcut.map { try rewrite($0, path: path.isEmpty ? "shortcut" : "\(path).shortcut") }
            return Residual(Sequential(named: body.map { ($0.name, $0.layer) }), shortcut: shortcut)
        case let graph as GraphNetwork:
            return try rewrite(graph, prefix: path, quantizingInput: nil)
        default:
            return layer
        }
    }

    // MARK: - Graphs

    /// The same rules on a graph: a point after each node whose output needs one, readers moved to it.
    private mutating func rewrite(_ graph: GraphNetwork, prefix: String, quantizingInput input: FakeQuantize?) throws -> GraphNetwork {
        let graph = try Self.foldingBatchNorms(in: graph)
        var readers = [[Int]](repeating: [], count: graph.nodes.count + 1)
        for (index, node) in graph.nodes.enumerated() { for value in node.inputs { readers[value].append(index) } }
        var names = Set(graph.nodes.map(\.name))
        var nodes: [GraphNetwork.Node] = []
        var moved = [Int](repeating: 0, count: graph.nodes.count + 1)  // old value → new value
        func addPoint(after name: String, value: Int, _ point: FakeQuantize) -> Int {
            var pointName = name + "_quant"
            while !names.insert(pointName).inserted { pointName += "_" }
            points.append((prefix.isEmpty ? pointName : "\(prefix).\(pointName)", point))
            nodes.append(GraphNetwork.Node(name: pointName, layer: point, inputs: [value]))
            return nodes.count
        }
        if let input { moved[0] = addPoint(after: "input", value: 0, input) }
        for (index, node) in graph.nodes.enumerated() {
            let path = prefix.isEmpty ? node.name : "\(prefix).\(node.name)"
            nodes.append(GraphNetwork.Node(name: node.name, layer: try rewrite(node.layer, path: path), inputs: node.inputs.map { moved[$0] }))
            moved[index + 1] = nodes.count
            let next = readers[index + 1].count == 1 ? graph.nodes[readers[index + 1][0]].layer : nil
            let isOutput = index + 1 == graph.output
            if Self.needsPoint(after: node.layer, next: next, isOutput: isOutput) {
                moved[index + 1] = addPoint(after: node.name, value: nodes.count, observer())
            }
        }
        return try GraphNetwork(nodes: nodes, output: moved[graph.output])
    }

    // MARK: - BatchNorm folding

    /// conv → BN pairs of a run as one convolution with the BatchNorm in its weights and bias.
    static func foldingBatchNorms(in run: [(name: String, layer: any Layer)]) throws -> [(name: String, layer: any Layer)] {
        var result: [(name: String, layer: any Layer)] = []
        var index = 0
        while index < run.count {
            let (name, layer) = run[index]
            if index + 1 < run.count, let conv = layer as? any FoldableLayer, let bn = run[index + 1].layer as? BatchNorm,
               let merged = try folding(bn, into: conv) {
                result.append((name, merged))
                index += 2
            } else {
                result.append((name, layer))
                index += 1
            }
        }
        return result
    }

    /// A graph's conv → BN pairs folded, where the BatchNorm is the convolution's only reader.
    static func foldingBatchNorms(in graph: GraphNetwork) throws -> GraphNetwork {
        var readers = [Int](repeating: 0, count: graph.nodes.count + 1)
        for node in graph.nodes { for value in node.inputs { readers[value] += 1 } }
        var nodes: [GraphNetwork.Node] = []
        var moved = Array(0...graph.nodes.count)
        var replaced: [Int: any Layer] = [:]  // node index → folded convolution
        var dropped = Set<Int>()
        for (index, node) in graph.nodes.enumerated() {
            guard let bn = node.layer as? BatchNorm, let source = node.inputs.first, source > 0, readers[source] == 1,
                  source != graph.output, let conv = graph.nodes[source - 1].layer as? any FoldableLayer,
                  let merged = try folding(bn, into: conv) else { continue }
            replaced[source - 1] = merged
            dropped.insert(index)
        }
        for (index, node) in graph.nodes.enumerated() {
            if dropped.contains(index) {
                moved[index + 1] = moved[node.inputs[0]]
                continue
            }
            nodes.append(GraphNetwork.Node(name: node.name, layer: replaced[index] ?? node.layer, inputs: node.inputs.map { moved[$0] }))
            moved[index + 1] = nodes.count
        }
        return try GraphNetwork(nodes: nodes, output: moved[graph.output])
    }

    /// A copy of `conv` computing conv → BN, rebuilt from its description with a bias; nil when
    /// the pattern does not fold (an activation inside the convolution, other channel counts).
    static func folding(_ bn: BatchNorm, into conv: any FoldableLayer) throws -> (any Layer)? {
        var folded = conv.folded
        guard folded.activation == .linear, bn.channels == folded.outputChannels,
              let describable = conv as? any DescribableLayer else { return nil }
        folded.fold(bn)
        var description = try describable.layerDescription()
        guard case .object(var fields) = description.configuration, fields["bias"] != nil else { return nil }
        fields["bias"] = .bool(true)
        description.configuration = .object(fields)
        let merged = try Random.withSeed(0) { try LayerRegistry.makeLayer(from: description) }
        let parameters = Dictionary(merged.ownParameters.map { ($0.name, $0.parameter) }, uniquingKeysWith: { a, _ in a })
        guard let weight = parameters["weight"], let bias = parameters["bias"] else { return nil }
        try weight.assign(Tensor(uncheckedShape: weight.shape, scalars: folded.weights))
        try bias.assign(Tensor(uncheckedShape: bias.shape, scalars: folded.bias))
        return merged
    }
}

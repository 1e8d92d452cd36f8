/// A set of channels that must be removed together: a convolution's outputs with the BatchNorm,
/// activation and depthwise convolution after it and the inputs of the layers that read them; for
/// a residual stage, every tensor the additions join. Channel `c` of a group is one channel in
/// each of those tensors (several for a depthwise multiplier or a flatten).
public struct PruningGroup: Sendable, Equatable {
    /// Position in `DependencyGraph.groups`.
    public var index: Int
    public var channels: Int
    /// Layers whose filters make the group's channels (convolutions, dense layers): their output
    /// channels go. The first names the group in reports.
    public var producers: [String]
    /// Layers that sum over the group's channels: their input weights for them go.
    public var consumers: [String]
    /// Layers the channels pass through one by one (BatchNorm, depthwise, activations, pooling).
    public var members: [String]

    public var name: String { producers.first.map { producers.count > 1 ? "\($0) +\(producers.count - 1)" : $0 } ?? "group \(index)" }
}

/// The dependency groups of a model, found from its graph (built-in `Sequential`/`Residual` trees
/// and imported `GraphNetwork`s alike). The network's input and output channels are never in a
/// group, so the classifier keeps every class; channels an unknown layer touches are left whole.
public struct DependencyGraph {
    public let model: Model
    public let groups: [PruningGroup]
    var graph: ChannelGraph
    /// `channelElements[g][c]`: the graph elements of channel c of group g.
    let channelElements: [[[Int]]]
    /// The network's input and output values.
    let inputValue: Int, outputValue: Int

    /// - Parameter model: a float model; its network is traced once for its shapes.
    /// - Throws: ``SepCNNError`` for a model with int8 weights (prune before quantizing) or one whose
    ///   shapes do not fit.
    public init(_ model: Model) throws {
        if let quantized = model.namedParameters().first(where: { $0.parameter.quantization != nil }) {
            throw SepCNNError.invalidArgument(
                "model \(model.name) holds int8 weights ('\(quantized.name)'); prune the float model, then quantize it")
        }
        self.model = model
        var graph = ChannelGraph()
        inputValue = graph.addValue(shape: [1] + model.inputShape)
        graph.block(inputValue, "it is the network's input")
        outputValue = try graph.couple(model.network, input: inputValue, path: "")
        graph.block(outputValue, "it is the network's output")

        var byKey: [[Int]: [[Int]]] = [:]
        var keys: [[Int]] = []
        for channel in graph.classes() where !channel.blocked {
            let key = Array(Set(channel.elements.map { graph.location(of: $0).value })).sorted()
            if byKey[key] == nil { keys.append(key) }
            byKey[key, default: []].append(channel.elements)
        }
        var groups: [PruningGroup] = [], elements: [[[Int]]] = []
        for key in keys {
            let channels = byKey[key]!
            let members = Set(key)
            var producers: [String] = [], consumers: [String] = [], passing: [String] = []
            for operation in graph.operations {
                let writes = members.contains(operation.output), reads = operation.inputs.contains(where: members.contains)
                if writes && operation.layer.makesNewChannels { producers.append(operation.path) }
                else if writes || reads {
                    if operation.layer.makesNewChannels { consumers.append(operation.path) } else { passing.append(operation.path) }
                }
            }
            // A group needs filters to remove and at least two channels, so one is left.
            guard !producers.isEmpty, channels.count >= 2 else { continue }
            groups.append(PruningGroup(index: groups.count, channels: channels.count, producers: producers,
                                       consumers: consumers, members: passing))
            elements.append(channels)
        }
        self.graph = graph
        self.groups = groups
        channelElements = elements
    }

    /// For every value of the graph, the channels kept when `removed[g]` channels of group g go.
    func keptChannels(removing removed: [Int: Set<Int>]) throws -> [[Int]] {
        var gone = [Set<Int>](repeating: [], count: graph.values.count)
        for (group, channels) in removed {
            guard groups.indices.contains(group) else { throw SepCNNError.invalidArgument("no pruning group \(group); the model has \(groups.count)") }
            for channel in channels {
                guard (0..<groups[group].channels).contains(channel) else {
                    throw SepCNNError.invalidArgument("group \(groups[group].name) has channels 0..<\(groups[group].channels), not \(channel)")
                }
                for element in channelElements[group][channel] {
                    let (value, c) = graph.location(of: element)
                    gone[value].insert(c)
                }
            }
            guard channels.count < groups[group].channels else {
                throw SepCNNError.invalidArgument("group \(groups[group].name) would lose all of its \(groups[group].channels) channels")
            }
        }
        return graph.values.indices.map { v in (0..<graph.values[v].channels).filter { !gone[v].contains($0) } }
    }
}

extension Layer {
    /// Whether the layer sums over its input channels into new ones (a convolution with one group,
    /// a pointwise convolution, a dense layer), so its two sides belong to different groups.
    var makesNewChannels: Bool {
        switch self {
        case let conv as Conv2D: return conv.groups == 1
        case is PointwiseConv2D, is Dense: return true
        default: return false
        }
    }
}

/// The rewrite: a pruned model is a new description with smaller channel counts and the kept
/// slices of every weight — an ordinary model that saves, loads, trains, plans and exports.
extension DependencyGraph {
    /// What each leaf layer keeps of its input and output channels when `removed[g]` channels of
    /// group g go, in the graph's operation order.
    func selections(removing removed: [Int: Set<Int>]) throws -> [(operation: ChannelGraph.Operation, selection: ChannelSelection)] {
        let kept = try keptChannels(removing: removed)
        func side(_ v: Int) -> (kept: [Int], channels: Int, stride: Int, shape: [Int]) {
            (kept[v], graph.values[v].channels, graph.values[v].stride, graph.values[v].shape)
        }
        return graph.operations.map { ($0, ChannelSelection(inputs: $0.inputs.map(side), output: side($0.output))) }
    }

    /// The model without the channels `removed[g]` of each group g (indices into the group's
    /// channels). Every other weight is copied; the result computes what the original computes
    /// with those channels' contributions removed.
    public func prunedModel(removing removed: [Int: Set<Int>]) throws -> Model {
        var description = try model.modelDescription()
        var replaced: [String: Tensor] = [:]
        for (operation, selection) in try selections(removing: removed) where selection.changes {
            guard let layer = operation.layer as? any ChannelPrunableLayer else { continue }
            let pruned = try within(operation.path) { try layer.pruned(selection) }
            let path = operation.path.split(separator: ".").map(String.init)
            try description.network.update(at: path) { $0.configuration = pruned.configuration }
            for (name, tensor) in pruned.parameters { replaced[operation.path.isEmpty ? name : "\(operation.path).\(name)"] = tensor }
        }
        if !removed.values.allSatisfy(\.isEmpty) && !description.name.hasSuffix("-pruned") { description.name += "-pruned" }
        let result = try Random.withSeed(0) { try Model(description) }
        let old = Dictionary(model.namedParameters().map { ($0.name, $0.parameter) }, uniquingKeysWith: { first, _ in first })
        for (name, parameter) in result.namedParameters() {
            guard let value = replaced[name] ?? old[name]?.value else {
                throw SepCNNError.invalidArgument("internal: the pruned model has a tensor '\(name)' the original lacks")
            }
            try within(name) { try parameter.assign(value) }
            parameter.isFrozen = old[name]?.isFrozen ?? false
        }
        return result
    }

    /// Multiply-accumulates for one image after removing `removed`, in closed form (no model is built).
    public func macs(removing removed: [Int: Set<Int>] = [:]) throws -> Int {
        try selections(removing: removed).reduce(0) { total, item in
            let base = item.operation.layer.macs(for: graph.values[item.operation.inputs[0]].shape)
            guard let layer = item.operation.layer as? any ChannelPrunableLayer else { return total + base }
            return total + layer.prunedMACs(base, item.selection)
        }
    }

    /// Per leaf layer: its path, type, output channels and MACs for one image, after removing `removed`.
    public func layerCounts(removing removed: [Int: Set<Int>] = [:]) throws -> [(path: String, type: String, channels: Int, macs: Int)] {
        try selections(removing: removed).map { operation, selection in
            let base = operation.layer.macs(for: graph.values[operation.inputs[0]].shape)
            let macs = (operation.layer as? any ChannelPrunableLayer)?.prunedMACs(base, selection) ?? base
            return (operation.path, operation.layer.typeName, selection.output.kept.count, macs)
        }
    }
}

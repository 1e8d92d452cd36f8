/// What a layer sees of a pruning: which channels of its input and output stay.
struct ChannelSelection {
    /// Per input value, the kept channel indices (ascending) and the value's full channel count.
    var inputs: [(kept: [Int], channels: Int, stride: Int, shape: [Int])]
    var output: (kept: [Int], channels: Int, stride: Int, shape: [Int])

    var input: (kept: [Int], channels: Int, stride: Int, shape: [Int]) { inputs[0] }
    var changes: Bool { inputs.contains { $0.kept.count != $0.channels } || output.kept.count != output.channels }

    /// The kept flat features of the input when channel c owns the features f with `(f / stride) % channels == c`.
    var keptInputFeatures: [Int] {
        let features = input.shape.dropFirst().reduce(1, *)
        let kept = Set(input.kept)
        return (0..<features).filter { kept.contains(($0 / input.stride) % input.channels) }
    }
}

/// A layer rebuilt for fewer channels: its new configuration and its kept weights, by local name.
struct PrunedLayer {
    var configuration: JSONValue
    var parameters: [String: Tensor]
}

/// A layer whose configuration or weights depend on its channel counts. Layers that do not
/// conform (activations, pooling, containers) are unchanged by pruning.
protocol ChannelPrunableLayer: DescribableLayer {
    /// This layer for `selection`'s channels.
    func pruned(_ selection: ChannelSelection) throws -> PrunedLayer
    /// Multiply-accumulates for `selection`, from the unpruned count `macs` (they are bilinear in
    /// the channel counts, so the closed form is exact).
    func prunedMACs(_ macs: Int, _ selection: ChannelSelection) -> Int
}

extension ChannelPrunableLayer {
    func prunedMACs(_ macs: Int, _ selection: ChannelSelection) -> Int { macs }
}

/// `tensor` keeping only the indices `kept` along `axis`.
func slice(_ tensor: Tensor, axis: Int, keeping kept: [Int]) -> Tensor {
    let shape = tensor.shape
    let outer = shape[..<axis].reduce(1, *), extent = shape[axis], inner = shape[(axis + 1)...].reduce(1, *)
    var result = [Float]()
    result.reserveCapacity(outer * kept.count * inner)
    tensor.scalars.withUnsafeBufferPointer { x in
        for o in 0..<outer {
            for k in kept {
                let start = (o * extent + k) * inner
                result.append(contentsOf: x[start ..< start + inner])
            }
        }
    }
    var newShape = shape
    newShape[axis] = kept.count
    return Tensor(uncheckedShape: newShape, scalars: result)
}

/// Bilinear MACs: `macs · kept/total` for each side given (exact: the count is a multiple of each total).
private func scaled(_ macs: Int, _ sides: [(kept: Int, total: Int)]) -> Int {
    sides.reduce(macs) { $0 / max($1.total, 1) * $1.kept }
}

extension Conv2D: ChannelPrunableLayer {
    func pruned(_ s: ChannelSelection) throws -> PrunedLayer {
        var c = configuration
        c.inputChannels = s.input.kept.count
        c.outputChannels = s.output.kept.count
        var weight = slice(weight.value, axis: 3, keeping: s.output.kept)
        if groups == 1 { weight = slice(weight, axis: 2, keeping: s.input.kept) } else { c.groups = s.input.kept.count }
        var parameters = ["weight": weight]
        if let bias { parameters["bias"] = slice(bias.value, axis: 0, keeping: s.output.kept) }
        return PrunedLayer(configuration: try JSONValue(encoding: c), parameters: parameters)
    }

    func prunedMACs(_ macs: Int, _ s: ChannelSelection) -> Int {
        groups == 1 ? scaled(macs, [(s.input.kept.count, s.input.channels), (s.output.kept.count, s.output.channels)])
            : scaled(macs, [(s.output.kept.count, s.output.channels)])
    }
}

extension DepthwiseConv2D: ChannelPrunableLayer {
    func pruned(_ s: ChannelSelection) throws -> PrunedLayer {
        var c = configuration
        c.channels = s.input.kept.count
        var parameters = ["weight": slice(weight.value, axis: 2, keeping: s.input.kept)]
        if let bias { parameters["bias"] = slice(bias.value, axis: 0, keeping: s.output.kept) }
        return PrunedLayer(configuration: try JSONValue(encoding: c), parameters: parameters)
    }

    func prunedMACs(_ macs: Int, _ s: ChannelSelection) -> Int { scaled(macs, [(s.output.kept.count, s.output.channels)]) }
}

extension PointwiseConv2D: ChannelPrunableLayer {
    func pruned(_ s: ChannelSelection) throws -> PrunedLayer {
        var c = configuration
        c.inputChannels = s.input.kept.count
        c.outputChannels = s.output.kept.count
        var parameters = ["weight": slice(slice(weight.value, axis: 1, keeping: s.output.kept), axis: 0, keeping: s.input.kept)]
        if let bias { parameters["bias"] = slice(bias.value, axis: 0, keeping: s.output.kept) }
        return PrunedLayer(configuration: try JSONValue(encoding: c), parameters: parameters)
    }

    func prunedMACs(_ macs: Int, _ s: ChannelSelection) -> Int {
        scaled(macs, [(s.input.kept.count, s.input.channels), (s.output.kept.count, s.output.channels)])
    }
}

extension Dense: ChannelPrunableLayer {
    /// Rows go with the input features the removed channels own (all of a channel's pixels after a flatten).
    func pruned(_ s: ChannelSelection) throws -> PrunedLayer {
        let features = s.keptInputFeatures
        var c = configuration
        c.inputFeatures = features.count
        c.outputFeatures = s.output.kept.count
        var parameters = ["weight": slice(slice(weight.value, axis: 1, keeping: s.output.kept), axis: 0, keeping: features)]
        if let bias { parameters["bias"] = slice(bias.value, axis: 0, keeping: s.output.kept) }
        return PrunedLayer(configuration: try JSONValue(encoding: c), parameters: parameters)
    }

    func prunedMACs(_ macs: Int, _ s: ChannelSelection) -> Int {
        scaled(macs, [(s.input.kept.count, s.input.channels), (s.output.kept.count, s.output.channels)])
    }
}

extension BatchNorm: ChannelPrunableLayer {
    func pruned(_ s: ChannelSelection) throws -> PrunedLayer {
        var c = configuration
        c.channels = s.output.kept.count
        var parameters: [String: Tensor] = [:]
        for (name, parameter) in ownParameters { parameters[name] = slice(parameter.value, axis: 0, keeping: s.output.kept) }
        return PrunedLayer(configuration: try JSONValue(encoding: c), parameters: parameters)
    }
}

extension Elementwise: ChannelPrunableLayer {
    /// A per-channel constant keeps the kept channels' values.
    func pruned(_ s: ChannelSelection) throws -> PrunedLayer {
        guard let constant else { return PrunedLayer(configuration: try JSONValue(encoding: configuration), parameters: [:]) }
        var graph = ChannelGraph()
        let output = graph.addValue(shape: s.output.shape, channels: s.output.channels, stride: s.output.stride)
        guard case .axis(let axis) = constantAxis(constant.shape, graph, output) else {
            return PrunedLayer(configuration: try JSONValue(encoding: configuration), parameters: [:])
        }
        let kept = slice(constant.value, axis: axis, keeping: s.output.kept)
        var c = configuration
        c.constantShape = kept.shape
        return PrunedLayer(configuration: try JSONValue(encoding: c), parameters: ["constant": kept])
    }
}

extension Reshape: ChannelPrunableLayer {
    /// The channel axis of the target shrinks; a flat target loses the removed channels' features.
    func pruned(_ s: ChannelSelection) throws -> PrunedLayer {
        var graph = ChannelGraph()
        let output = graph.addValue(shape: s.output.shape, channels: s.output.channels, stride: s.output.stride)
        var target = s.output.shape
        if let axis = graph.channelAxis(of: output) {
            target[axis] = s.output.kept.count
        } else if target.count == 2 {
            target[1] = target[1] / s.output.channels * s.output.kept.count
        } else {
            throw SepCNNError.invalidArgument("internal: Reshape to \(describe(s.output.shape)) cannot lose channels")
        }
        var c = configuration
        c.targetShape = Array(target.dropFirst())
        return PrunedLayer(configuration: try JSONValue(encoding: c), parameters: [:])
    }
}

/// How a layer ties its input channels to its output channels, for finding dependency groups.
///
/// Each layer says it of itself (the extensions below and in `ContainerCoupling.swift`); a layer
/// that does not conform — a user's own, say — is taken to mix its channels in ways pruning cannot
/// follow, and the channels it touches are never removed.
protocol ChannelCoupledLayer: Layer {
    /// Adds this layer's output value (and, for containers, its children's values) to `graph`,
    /// joins the channels that must go together, and returns the output value.
    func couple(into graph: inout ChannelGraph, input: Int, path: String) throws -> Int
}

/// The same for layers of several inputs (`Concatenate`, two-input `Elementwise`).
protocol ChannelCoupledMultiInputLayer: MultiInputLayer {
    func couple(into graph: inout ChannelGraph, inputs: [Int], path: String) throws -> Int
}

extension ChannelGraph {
    /// Adds `layer` reading `input`; a layer that cannot say how it couples blocks its input and output.
    mutating func couple(_ layer: any Layer, input: Int, path: String) throws -> Int {
        if let coupled = layer as? any ChannelCoupledLayer { return try coupled.couple(into: &self, input: input, path: path) }
        return try coupleUnknown(layer, inputs: [input], path: path)
    }

    mutating func couple(_ layer: any Layer, inputs: [Int], path: String) throws -> Int {
        if inputs.count == 1 { return try couple(layer, input: inputs[0], path: path) }
        if let coupled = layer as? any ChannelCoupledMultiInputLayer { return try coupled.couple(into: &self, inputs: inputs, path: path) }
        return try coupleUnknown(layer, inputs: inputs, path: path)
    }

    private mutating func coupleUnknown(_ layer: any Layer, inputs: [Int], path: String) throws -> Int {
        let shapes = inputs.map { values[$0].shape }
        let shape = try (layer as? any MultiInputLayer)?.outputShape(forInputs: shapes) ?? layer.outputShape(for: shapes[0])
        let output = addValue(shape: shape)
        let reason = "\(layer.typeName) at '\(path)' does not say how its channels couple"
        for input in inputs { block(input, reason) }
        block(output, reason)
        record(path, layer, inputs: inputs, output: output)
        return output
    }

    /// Blocks `value` unless it is an image or vector with channels last; returns whether it is.
    mutating func requireChannelsLast(_ value: Int, _ layer: any Layer, _ path: String) -> Bool {
        if isChannelsLast(value) { return true }
        block(value, "\(layer.typeName) at '\(path)' reads it with its channels not on the last axis")
        return false
    }

    /// A layer that maps channel c to channel c (BatchNorm, pooling): output channels last.
    mutating func coupleChannelwise(_ layer: any Layer, input: Int, path: String) throws -> Int {
        let output = addValue(shape: try layer.outputShape(for: values[input].shape))
        if requireChannelsLast(input, layer, path) { joinChannels(input, output) } else { block(output, "its input is blocked") }
        record(path, layer, inputs: [input], output: output)
        return output
    }

    /// A layer that maps every element to one element (activations, dropout): same layout.
    mutating func coupleElementwise(_ layer: any Layer, input: Int, path: String) throws -> Int {
        let output = addValue(like: input, shape: try layer.outputShape(for: values[input].shape))
        joinChannels(input, output)
        record(path, layer, inputs: [input], output: output)
        return output
    }

    /// A layer that sums over its input channels and makes new output channels (a convolution,
    /// a dense layer): the two sides are independent, each prunable from its own group.
    mutating func coupleMixing(_ layer: any Layer, input: Int, path: String, outputShape: [Int]) -> Int {
        let output = addValue(shape: outputShape)
        record(path, layer, inputs: [input], output: output)
        return output
    }

    /// Input channel c feeds output channels c·M ..< (c + 1)·M (depthwise convolution, multiplier M).
    mutating func coupleDepthwise(_ layer: any Layer, input: Int, path: String, multiplier: Int) throws -> Int {
        let output = addValue(shape: try layer.outputShape(for: values[input].shape))
        if requireChannelsLast(input, layer, path) {
            for c in 0..<values[input].channels {
                for m in 0..<multiplier { join(input, channel: c, output, channel: c * multiplier + m) }
            }
        } else {
            block(output, "its input is blocked")
        }
        record(path, layer, inputs: [input], output: output)
        return output
    }
}

// MARK: - Leaf layers

extension Conv2D: ChannelCoupledLayer {
    func couple(into graph: inout ChannelGraph, input: Int, path: String) throws -> Int {
        if groups == 1 {
            let shape = try outputShape(for: graph.values[input].shape)
            _ = graph.requireChannelsLast(input, self, path)
            return graph.coupleMixing(self, input: input, path: path, outputShape: shape)
        }
        if groups == inputChannels { return try graph.coupleDepthwise(self, input: input, path: path, multiplier: outputChannels / groups) }
        // Groups of several channels would all have to shrink alike; such layers are left whole.
        let output = graph.coupleMixing(self, input: input, path: path, outputShape: try outputShape(for: graph.values[input].shape))
        graph.block(input, "Conv2D at '\(path)' has \(groups) groups of several channels")
        graph.block(output, "Conv2D at '\(path)' has \(groups) groups of several channels")
        return output
    }
}

extension DepthwiseConv2D: ChannelCoupledLayer {
    func couple(into graph: inout ChannelGraph, input: Int, path: String) throws -> Int {
        try graph.coupleDepthwise(self, input: input, path: path, multiplier: depthMultiplier)
    }
}

extension PointwiseConv2D: ChannelCoupledLayer {
    func couple(into graph: inout ChannelGraph, input: Int, path: String) throws -> Int {
        let shape = try outputShape(for: graph.values[input].shape)
        _ = graph.requireChannelsLast(input, self, path)
        return graph.coupleMixing(self, input: input, path: path, outputShape: shape)
    }
}

extension Dense: ChannelCoupledLayer {
    /// Its input features may be a flattened image: each channel owns the features
    /// `f` with `(f / stride) % channels == c` (see `ChannelGraph`).
    func couple(into graph: inout ChannelGraph, input: Int, path: String) throws -> Int {
        graph.coupleMixing(self, input: input, path: path, outputShape: try outputShape(for: graph.values[input].shape))
    }
}

extension BatchNorm: ChannelCoupledLayer {
    func couple(into graph: inout ChannelGraph, input: Int, path: String) throws -> Int {
        try graph.coupleChannelwise(self, input: input, path: path)
    }
}

extension MaxPool2D: ChannelCoupledLayer {
    func couple(into graph: inout ChannelGraph, input: Int, path: String) throws -> Int {
        try graph.coupleChannelwise(self, input: input, path: path)
    }
}

extension AvgPool2D: ChannelCoupledLayer {
    func couple(into graph: inout ChannelGraph, input: Int, path: String) throws -> Int {
        try graph.coupleChannelwise(self, input: input, path: path)
    }
}

extension GlobalAvgPool: ChannelCoupledLayer {
    func couple(into graph: inout ChannelGraph, input: Int, path: String) throws -> Int {
        try graph.coupleChannelwise(self, input: input, path: path)
    }
}

extension ReLU: ChannelCoupledLayer {}
extension ReLU6: ChannelCoupledLayer {}
extension HardSwish: ChannelCoupledLayer {}
extension HardSigmoid: ChannelCoupledLayer {}
extension Sigmoid: ChannelCoupledLayer {}
extension SiLU: ChannelCoupledLayer {}

extension ActivationLayer where Self: ChannelCoupledLayer {
    func couple(into graph: inout ChannelGraph, input: Int, path: String) throws -> Int {
        try graph.coupleElementwise(self, input: input, path: path)
    }
}

extension Clamp: ChannelCoupledLayer {
    func couple(into graph: inout ChannelGraph, input: Int, path: String) throws -> Int {
        try graph.coupleElementwise(self, input: input, path: path)
    }
}

extension Dropout: ChannelCoupledLayer {
    func couple(into graph: inout ChannelGraph, input: Int, path: String) throws -> Int {
        try graph.coupleElementwise(self, input: input, path: path)
    }
}

extension Flatten: ChannelCoupledLayer {
    /// Flattening keeps the element order, so the channels keep their stride.
    func couple(into graph: inout ChannelGraph, input: Int, path: String) throws -> Int {
        try graph.coupleElementwise(self, input: input, path: path)
    }
}

extension Reshape: ChannelCoupledLayer {
    /// A reshape keeps the element order. Its target can be rewritten only when the channels stay
    /// on one axis or the result is a flat vector; otherwise its channels are left whole.
    func couple(into graph: inout ChannelGraph, input: Int, path: String) throws -> Int {
        let output = try graph.coupleElementwise(self, input: input, path: path)
        if graph.channelAxis(of: output) == nil && graph.values[output].shape.count != 2 {
            graph.block(output, "Reshape at '\(path)' splits or merges its channel axis")
        }
        return output
    }
}

extension Permute: ChannelCoupledLayer {
    /// The channel axis moves with the permutation; the stride becomes the extent of the axes after it.
    func couple(into graph: inout ChannelGraph, input: Int, path: String) throws -> Int {
        let shape = try outputShape(for: graph.values[input].shape)
        guard let axis = graph.channelAxis(of: input), let moved = order.firstIndex(of: axis) else {
            let output = graph.addValue(shape: shape)
            graph.block(input, "Permute at '\(path)' reads a value whose channels are on no single axis")
            graph.block(output, "Permute at '\(path)' reads a value whose channels are on no single axis")
            graph.record(path, self, inputs: [input], output: output)
            return output
        }
        let output = graph.addValue(shape: shape, channels: graph.values[input].channels,
                                    stride: shape[(moved + 1)...].reduce(1, *))
        graph.joinChannels(input, output)
        graph.record(path, self, inputs: [input], output: output)
        return output
    }
}

extension Softmax: ChannelCoupledLayer {
    /// Normalises over its last axis: removing a channel there would change the others.
    func couple(into graph: inout ChannelGraph, input: Int, path: String) throws -> Int {
        let output = try graph.coupleElementwise(self, input: input, path: path)
        graph.block(output, "Softmax at '\(path)' normalises over its channels")
        return output
    }
}

extension Elementwise: ChannelCoupledLayer, ChannelCoupledMultiInputLayer {
    /// With a constant: the constant is cut along the channel axis when it varies along it.
    func couple(into graph: inout ChannelGraph, input: Int, path: String) throws -> Int {
        guard let constant else { return try couple(into: &graph, inputs: [input], path: path) }
        let output = try graph.coupleElementwise(self, input: input, path: path)
        let shape = graph.values[output].shape
        if graph.values[input].shape != shape {
            graph.block(input, "\(typeName) at '\(path)' broadcasts its input")
            graph.block(output, "\(typeName) at '\(path)' broadcasts its input")
        } else if constantAxis(constant.shape, graph, output) == .unknown {
            graph.block(output, "\(typeName) at '\(path)' has a constant that varies along no single channel axis")
        }
        return output
    }

    /// Two inputs: each operand of the output's shape shares its channels; a broadcast operand
    /// (a squeeze-and-excitation gate [N, 1, 1, C]) shares them when it spans the channel axis.
    func couple(into graph: inout ChannelGraph, inputs: [Int], path: String) throws -> Int {
        let shape = try outputShape(forInputs: inputs.map { graph.values[$0].shape })
        guard let full = inputs.first(where: { graph.values[$0].shape == shape }) else {
            let output = graph.addValue(shape: shape)
            for value in inputs + [output] { graph.block(value, "\(typeName) at '\(path)' broadcasts both operands") }
            graph.record(path, self, inputs: inputs, output: output)
            return output
        }
        let output = graph.addValue(like: full, shape: shape)
        let axis = graph.channelAxis(of: output)
        for operand in inputs {
            let v = graph.values[operand]
            if v.shape == shape && v.stride == graph.values[output].stride && v.channels == graph.values[output].channels {
                graph.joinChannels(operand, output)
            } else if let axis, graph.isChannelsLast(output), graph.isChannelsLast(operand), v.shape.count == shape.count,
                      v.channels == graph.values[output].channels, axis == shape.count - 1 {
                graph.joinChannels(operand, output)
            } else {
                graph.block(operand, "\(typeName) at '\(path)' broadcasts it along the channel axis")
                graph.block(output, "\(typeName) at '\(path)' broadcasts an operand along the channel axis")
            }
        }
        graph.record(path, self, inputs: inputs, output: output)
        return output
    }

    enum ConstantAxis: Equatable { case none, axis(Int), unknown }

    /// Where the constant holds one value per channel of `value` (right-aligned broadcasting), if anywhere.
    func constantAxis(_ constantShape: [Int], _ graph: ChannelGraph, _ value: Int) -> ConstantAxis {
        let shape = graph.values[value].shape
        let offset = shape.count - constantShape.count
        guard let axis = graph.channelAxis(of: value) else {
            return constantShape.allSatisfy { $0 == 1 } ? .none : .unknown
        }
        let constantIndex = axis - offset
        guard constantIndex >= 0, constantShape[constantIndex] != 1 else { return .none }
        return constantShape[constantIndex] == graph.values[value].channels ? .axis(constantIndex) : .unknown
    }
}

extension Concatenate: ChannelCoupledMultiInputLayer {
    /// Along the channel axis, input i's channel c is the output's channel `offset_i + c`; along
    /// another axis every input shares the output's channels.
    func couple(into graph: inout ChannelGraph, inputs: [Int], path: String) throws -> Int {
        let shape = try outputShape(forInputs: inputs.map { graph.values[$0].shape })
        let axes = inputs.map { graph.channelAxis(of: $0) }
        if axes.allSatisfy({ $0 == axis }) {
            let output = graph.addValue(shape: shape, channels: shape[axis], stride: shape[(axis + 1)...].reduce(1, *))
            var offset = 0
            for input in inputs {
                for c in 0..<graph.values[input].channels { graph.join(input, channel: c, output, channel: offset + c) }
                offset += graph.values[input].channels
            }
            graph.record(path, self, inputs: inputs, output: output)
            return output
        }
        if let channelAxis = axes[0], axes.allSatisfy({ $0 == channelAxis }), channelAxis != axis {
            let output = graph.addValue(shape: shape, channels: shape[channelAxis], stride: shape[(channelAxis + 1)...].reduce(1, *))
            for input in inputs { graph.joinChannels(input, output) }
            graph.record(path, self, inputs: inputs, output: output)
            return output
        }
        let output = graph.addValue(shape: shape)
        for value in inputs + [output] { graph.block(value, "Concatenate at '\(path)' joins values whose channels lie on different axes") }
        graph.record(path, self, inputs: inputs, output: output)
        return output
    }
}

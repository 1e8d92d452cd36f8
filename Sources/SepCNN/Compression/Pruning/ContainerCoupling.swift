/// Containers couple their children: a chain passes values along, a residual addition joins the
/// body's output channels with the shortcut's, a channel gate joins its factors with the channels
/// it scales, and a graph follows its edges.
extension ChannelGraph {
    static func join(_ parent: String, _ child: String) -> String { parent.isEmpty ? child : "\(parent).\(child)" }

    mutating func coupleChain(_ layers: [(name: String, layer: any Layer)], input: Int, path: String) throws -> Int {
        var value = input
        for (name, layer) in layers {
            value = try within(name) { try couple(layer, input: value, path: Self.join(path, name)) }
        }
        return value
    }

    /// The channels of two values added together are one: removing channel c of the sum means
    /// removing it from both operands.
    mutating func joinSum(_ a: Int, _ b: Int, path: String) {
        if values[a].shape == values[b].shape && values[a].stride == values[b].stride {
            joinChannels(a, b)
        } else {
            block(a, "the addition at '\(path)' adds values of different layouts")
            block(b, "the addition at '\(path)' adds values of different layouts")
        }
    }
}

extension Sequential: ChannelCoupledLayer {
    func couple(into graph: inout ChannelGraph, input: Int, path: String) throws -> Int {
        try graph.coupleChain(layers, input: input, path: path)
    }
}

extension SeparableConv2D: ChannelCoupledLayer {
    func couple(into graph: inout ChannelGraph, input: Int, path: String) throws -> Int {
        try graph.coupleChain(children, input: input, path: path)
    }
}

extension Residual: ChannelCoupledLayer {
    func couple(into graph: inout ChannelGraph, input: Int, path: String) throws -> Int {
        let main = try graph.coupleChain(body.layers, input: input, path: path)
        let skip = try shortcut.map { layer in
            try within("shortcut") { try graph.couple(layer, input: input, path: ChannelGraph.join(path, "shortcut")) }
        } ?? input
        graph.joinSum(main, skip, path: path)
        return main
    }
}

extension ChannelMultiply: ChannelCoupledLayer {
    /// The gate's last layer makes one factor per channel of x: its output channels are x's.
    func couple(into graph: inout ChannelGraph, input: Int, path: String) throws -> Int {
        let factors = try graph.coupleChain(gate.layers, input: input, path: path)
        if graph.values[factors].channels == graph.values[input].channels, graph.isChannelsLast(input) {
            graph.joinChannels(factors, input)
        } else {
            graph.block(factors, "the channel gate at '\(path)' does not make one factor per channel")
            graph.block(input, "the channel gate at '\(path)' does not make one factor per channel")
        }
        return input
    }
}

extension GraphNetwork: ChannelCoupledLayer {
    func couple(into graph: inout ChannelGraph, input: Int, path: String) throws -> Int {
        var values = [input]
        for node in nodes {
            let inputs = node.inputs.map { values[$0] }
            values.append(try within(node.name) { try graph.couple(node.layer, inputs: inputs, path: ChannelGraph.join(path, node.name)) })
        }
        return values[output]
    }
}

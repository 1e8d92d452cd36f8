/// The walk over a network: containers recurse, leaves become ONNX nodes (ONNXLayerExport.swift).
extension ONNXGraphBuilder {
    /// Emits `layer`, found at `path`, reading `input`, and returns its output.
    mutating func export(_ layer: any Layer, path: String, input: ONNXExportedValue) throws -> ONNXExportedValue {
        switch layer {
        case let sequential as Sequential:
            var value = input
            for (name, child) in sequential.layers {
                value = try export(child, path: join(path, name), input: value)
            }
            return value
        case let residual as Residual:
            // The body's layers are the block's children directly, so their paths start at `path`.
            let main = try export(residual.body, path: path, input: input)
            let skip = try residual.shortcut.map { try export($0, path: join(path, "shortcut"), input: input) } ?? input
            let shape = try outputShape(of: residual, at: path) { try residual.outputShape(for: input.shape) }
            return binary("Add", main, skip, outputShape: shape, path: join(path, "add"))
        case let gated as ChannelMultiply:
            let gate = try export(gated.gate, path: path, input: input)
            _ = try outputShape(of: gated, at: path) { try gated.outputShape(for: input.shape) }
            return channelMultiply(input, gate: gate, path: join(path, "multiply"))
        case let graph as GraphNetwork:
            return try exportGraph(graph, path: path, input: input)
        case let separable as SeparableConv2D:
            let middle = try export(separable.depthwise, path: join(path, "depthwise"), input: input)
            return try export(separable.pointwise, path: join(path, "pointwise"), input: middle)
        case let multi as any MultiInputLayer:
            return try exportMultiInput(multi, path: path, inputs: [input])
        default:
            return try exportLeaf(layer, path: path, input: input)
        }
    }

    private mutating func exportGraph(_ graph: GraphNetwork, path: String, input: ONNXExportedValue) throws -> ONNXExportedValue {
        var values = [input]
        for node in graph.nodes {
            let inputs = node.inputs.map { values[$0] }
            let nodePath = join(path, node.name)
            if let multi = node.layer as? any MultiInputLayer {
                values.append(try exportMultiInput(multi, path: nodePath, inputs: inputs))
            } else {
                values.append(try export(node.layer, path: nodePath, input: inputs[0]))
            }
        }
        return values[graph.output]
    }

    /// `x · gate`, the gate holding one factor per image and channel (`[N, C]` or `[N, 1, 1, C]`).
    /// The layer has checked the shapes.
    private mutating func channelMultiply(_ x: ONNXExportedValue, gate: ONNXExportedValue, path: String) -> ONNXExportedValue {
        var factors = gate
        if gate.rank == 2 {
            // [N, C] → [N, 1, 1, C] in storage terms: unit axes inserted where x's order puts height and width.
            let axes = [x.onnxAxis(ofStored: 1), x.onnxAxis(ofStored: 2)].sorted()
            let axesName = addInitializer("\(path).axes", dims: [2], int64s: axes)
            let name = addNode("Unsqueeze", inputs: [gate.name, axesName], path: path)
            factors = ONNXExportedValue(name: name, shape: [gate.shape[0], 1, 1, gate.shape[1]], order: x.order)
        }
        return binary("Mul", x, factors, outputShape: x.shape, path: path)
    }

    /// `a op b` with NumPy broadcasting on SepCNN's shapes: both operands are brought to the
    /// output's rank and to one axis order, which then broadcasts in ONNX exactly as in storage.
    mutating func binary(_ opType: String, _ a: ONNXExportedValue, _ b: ONNXExportedValue, outputShape: [Int],
                         path: String) -> ONNXExportedValue {
        let rank = outputShape.count
        let order = a.rank == rank ? a.order : b.rank == rank ? b.order : ONNXExportedValue.defaultOrder(rank: rank)
        let left = aligned(a, rank: rank, order: order, path: path)
        let right = aligned(b, rank: rank, order: order, path: path)
        let name = addNode(opType, inputs: [left.name, right.name], path: path)
        return ONNXExportedValue(name: name, shape: outputShape, order: order)
    }
}

/// `parent.child`, or `child` at the top.
func join(_ path: String, _ child: String) -> String {
    path.isEmpty ? child : "\(path).\(child)"
}

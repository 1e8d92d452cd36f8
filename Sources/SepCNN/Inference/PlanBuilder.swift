/// Lowers a layer tree into plan steps, folding BatchNorm into the convolution before it and
/// fusing the activation after it, so `conv → BN → ReLU6` becomes one kernel call.
struct PlanBuilder {
    var steps: [any PlanStep] = []
    /// Shape of every value; value 0 is the input.
    private(set) var shapes: [[Int]]

    init(inputShape: [Int]) {
        shapes = [inputShape]
    }

    mutating func newValue(_ shape: [Int]) -> Int {
        shapes.append(shape)
        return shapes.count - 1
    }

    /// The layers a Sequential runs, with nested Sequentials and SeparableConv2D opened up so
    /// that patterns spanning them (a unit's conv, bn, act) are seen as one run.
    static func flatten(_ layer: any Layer) -> [(name: String, layer: any Layer)] {
        if let sequential = layer as? Sequential {
            return sequential.layers.flatMap { child in flatten(child.layer).map { (join(child.name, $0.name), $0.layer) } }
        }
        if let separable = layer as? SeparableConv2D {
            return [("depthwise", separable.depthwise), ("pointwise", separable.pointwise)]
        }
        return [("", layer)]
    }

    static func join(_ a: String, _ b: String) -> String { a.isEmpty ? b : b.isEmpty ? a : "\(a).\(b)" }

    /// Emits the steps of `layer` reading value `input`; returns the value holding its output.
    mutating func lower(_ layer: any Layer, name: String, input: Int) throws -> Int {
        let run = Self.flatten(layer).map { (name: Self.join(name, $0.name), layer: $0.layer) }
        var value = input
        var index = 0
        while index < run.count {
            let (layerName, current) = run[index]
            index += 1
            value = try within(layerName.isEmpty ? current.typeName : layerName) {
                if let conv = try convolution(current) {
                    // Fold a following BatchNorm and fuse a following activation into the convolution.
                    var folded = conv
                    var fusedNames: [String] = []
                    if folded.activation == .linear, index < run.count, let bn = run[index].layer as? BatchNorm, bn.channels == folded.outputChannels {
                        folded.fold(bn)
                        fusedNames.append(run[index].name)
                        index += 1
                    }
                    if folded.activation == .linear, index < run.count, let act = run[index].layer as? any ActivationLayer {
                        folded.activation = act.activation
                        fusedNames.append(run[index].name)
                        index += 1
                    }
                    let label = ([layerName] + fusedNames).joined(separator: " + ")
                    return try emitConvolution(current, folded, label: label, input: value)
                }
                if let bn = current as? BatchNorm {
                    var activation = Activation.linear
                    var label = layerName
                    if index < run.count, let act = run[index].layer as? any ActivationLayer {
                        activation = act.activation
                        label += " + " + run[index].name
                        index += 1
                    }
                    return try emitScaleShift(bn, activation: activation, label: label, input: value)
                }
                return try emitOther(current, name: layerName, input: value)
            }
        }
        return value
    }

    /// The folded form of a convolution-like layer, or nil for other layers.
    private func convolution(_ layer: any Layer) throws -> FoldedConvolution? {
        switch layer {
        case let l as DepthwiseConv2D:
            return FoldedConvolution(weights: l.weight.value, bias: l.bias?.value, activation: l.activation, outputChannels: l.outputChannels)
        case let l as PointwiseConv2D:
            return FoldedConvolution(weights: l.weight.value, bias: l.bias?.value, activation: l.activation, outputChannels: l.outputChannels)
        case let l as Conv2D:
            return FoldedConvolution(weights: l.weight.value, bias: l.bias?.value, activation: l.activation, outputChannels: l.outputChannels)
        case let l as Dense:
            return FoldedConvolution(weights: l.weight.value, bias: l.bias?.value, activation: l.activation, outputChannels: l.outputFeatures)
        default:
            return nil
        }
    }

    private mutating func emitConvolution(_ layer: any Layer, _ folded: FoldedConvolution, label: String, input: Int) throws -> Int {
        let inputShape = shapes[input]
        let outputShape = try layer.outputShape(for: inputShape)
        let output = newValue(outputShape)
        switch layer {
        case let l as DepthwiseConv2D:
            steps.append(DepthwiseStep(geometry: try l.geometry(for: inputShape), convolution: folded, inputs: [input], output: output, label: label))
        case let l as Conv2D:
            let g = try l.geometry(for: inputShape)
            if g.isDepthwise {
                steps.append(DepthwiseStep(geometry: g, convolution: folded, inputs: [input], output: output, label: label))
            } else if g.kernelHeight == 1 && g.kernelWidth == 1 && g.strideHeight == 1 && g.strideWidth == 1
                        && g.padTop == 0 && g.padLeft == 0 && g.groups == 1 {
                steps.append(GEMMStep(rows: g.batch * g.inputHeight * g.inputWidth, k: g.inputChannels, convolution: folded,
                                      inputs: [input], output: output, label: label))
            } else {
                steps.append(ConvolutionStep(geometry: g, convolution: folded, inputs: [input], output: output, label: label))
            }
        case let l as PointwiseConv2D:
            steps.append(GEMMStep(rows: inputShape[0] * inputShape[1] * inputShape[2], k: l.inputChannels, convolution: folded,
                                  inputs: [input], output: output, label: label))
        case let l as Dense:
            steps.append(GEMMStep(rows: inputShape[0], k: l.inputFeatures, convolution: folded, inputs: [input], output: output, label: label))
        default:
            preconditionFailure("internal: \(layer.typeName) is not a convolution")
        }
        return output
    }

    private mutating func emitScaleShift(_ bn: BatchNorm, activation: Activation, label: String, input: Int) throws -> Int {
        let shape = try bn.outputShape(for: shapes[input])
        let (scale, shift) = bn.scaleAndShift(mean: bn.runningMean.value.scalars, variance: bn.runningVar.value.scalars)
        let output = newValue(shape)
        steps.append(ScaleShiftStep(rows: shape.reduce(1, *) / bn.channels, scale: scale, shift: shift, activation: activation,
                                    inputs: [input], output: output, label: label))
        return output
    }

    private mutating func emitOther(_ layer: any Layer, name: String, input: Int) throws -> Int {
        let inputShape = shapes[input]
        let shape = try layer.outputShape(for: inputShape)
        switch layer {
        case is Dropout:
            return input  // the identity in inference
        case let residual as Residual:
            let main = try lower(residual.body, name: name, input: input)
            let skip = try residual.shortcut.map { try lower($0, name: Self.join(name, "shortcut"), input: input) } ?? input
            let output = newValue(shape)
            steps.append(AddStep(count: shape.reduce(1, *), inputs: [main, skip], output: output, label: Self.join(name, "add")))
            return output
        case let graph as GraphNetwork:
            return try lowerGraph(graph, name: name, input: input)
        case let gate as ChannelMultiply:
            let factors = try lower(gate.gate, name: name, input: input)
            let output = newValue(shape)
            steps.append(MultiplyStep(batch: shape[0], pixels: shape[1] * shape[2], channels: shape[3],
                                      inputs: [input, factors], output: output, label: Self.join(name, "multiply")))
            return output
        default:
            break
        }
        let output = newValue(shape)
        let label = name
        switch layer {
        case let act as any ActivationLayer:
            steps.append(ActivationStep(count: shape.reduce(1, *), activation: act.activation, inputs: [input], output: output, label: label))
        case let pool as MaxPool2D:
            let g = try pool.window.geometry(pool.typeName, input: inputShape, outputChannels: inputShape[3], groups: inputShape[3])
            steps.append(PoolStep(kind: .max, geometry: g, inputs: [input], output: output, label: label))
        case let pool as AvgPool2D:
            let g = try pool.window.geometry(pool.typeName, input: inputShape, outputChannels: inputShape[3], groups: inputShape[3])
            steps.append(PoolStep(kind: .average(countIncludesPadding: pool.countIncludesPadding), geometry: g,
                                  inputs: [input], output: output, label: label))
        case is GlobalAvgPool:
            steps.append(GlobalAvgPoolStep(batch: inputShape[0], pixels: inputShape[1] * inputShape[2], channels: inputShape[3],
                                           inputs: [input], output: output, label: label))
        case is Softmax:
            let columns = shape[shape.count - 1]
            steps.append(SoftmaxStep(rows: shape.reduce(1, *) / columns, columns: columns, inputs: [input], output: output, label: label))
        case is Flatten:
            steps.append(CopyStep(count: shape.reduce(1, *), inputs: [input], output: output, label: label))
        default:
            steps.append(LayerStep(layer: layer, inputShape: inputShape, inputs: [input], output: output, label: label))
        }
        return output
    }
}

/// Each SepCNN layer as ONNX operators. Weights are converted from SepCNN's layouts
/// (Docs/weight-layouts.md) to ONNX's, which are PyTorch's.
extension ONNXGraphBuilder {
    mutating func exportLeaf(_ layer: any Layer, path: String, input x: ONNXExportedValue) throws -> ONNXExportedValue {
        // The static shapes also resolve `.same` padding below.
        let outputShape = try self.outputShape(of: layer, at: path) { try layer.outputShape(for: x.shape) }
        switch layer {
        case let conv as Conv2D:
            // [kh, kw, Cin/g, Cout] → [Cout, Cin/g, kh, kw]
            let w = conv.weight.value
            let output = try convolution(x, path: path, weight: try w.transposed([3, 2, 0, 1]), quantization: conv.weight.quantization,
                                         window: conv.window, groups: conv.groups, bias: conv.bias, outputShape: outputShape)
            return activation(conv.activation, output, path: path)
        case let conv as DepthwiseConv2D:
            // [kh, kw, C, M] → [C·M, 1, kh, kw]: output channel c·M + m filters input channel c.
            let w = try conv.weight.value.transposed([2, 3, 0, 1])
            let reshaped = try w.reshaped(to: [conv.outputChannels, 1, conv.kernelSize.height, conv.kernelSize.width])
            let output = try convolution(x, path: path, weight: reshaped, quantization: conv.weight.quantization, window: conv.window,
                                         groups: conv.channels, bias: conv.bias, outputShape: outputShape)
            return activation(conv.activation, output, path: path)
        case let conv as PointwiseConv2D:
            // [Cin, Cout] → [Cout, Cin, 1, 1]
            let w = try conv.weight.value.transposed([1, 0]).reshaped(to: [conv.outputChannels, conv.inputChannels, 1, 1])
            let window = Window(kernel: 1, stride: 1, dilation: 1, padding: .valid)
            let output = try convolution(x, path: path, weight: w, quantization: conv.weight.quantization, window: window, groups: 1,
                                         bias: conv.bias, outputShape: outputShape)
            return activation(conv.activation, output, path: path)
        case let dense as Dense:
            // Gemm with transB = 1 and B = [out, in], as torch.onnx writes nn.Linear.
            let weight = try weightInput("\(path).weight", path: path, onnx: try dense.weight.value.transposed([1, 0]),
                                         quantization: dense.weight.quantization)
            var inputs = [x.name, weight]
            if let bias = dense.bias {
                inputs.append(biasInput("\(path).bias", path: path, bias: bias, input: x, weight: dense.weight.quantization))
            }
            let name = addNode("Gemm", inputs: inputs, path: path, attributes: [.int("transB", 1)])
            return activation(dense.activation, ONNXExportedValue(name: name, shape: outputShape, order: [0, 1]), path: path)
        case let bn as BatchNorm:
            // ONNX normalises axis 1: NCHW for images, [N, C] as it is.
            let input = inDefaultOrder(x, path: path)
            let inputs = [input.name] + [("weight", bn.weight), ("bias", bn.bias), ("runningMean", bn.runningMean), ("runningVar", bn.runningVar)]
                .map { addInitializer("\(path).\($0.0)", dims: [bn.channels], floats: $0.1.value.scalars) }
            let name = addNode("BatchNormalization", inputs: inputs, path: path, attributes: [.float("epsilon", bn.epsilon)])
            return ONNXExportedValue(name: name, shape: outputShape, order: input.order)
        case let activationLayer as any ActivationLayer:
            return activation(activationLayer.activation, x, path: path)
        case let clamp as Clamp:
            return self.clamp(clamp, x, path: path)
        case is Softmax:
            let name = addNode("Softmax", inputs: [x.name], path: path, attributes: [.int("axis", x.onnxAxis(ofStored: x.rank - 1))])
            return ONNXExportedValue(name: name, shape: outputShape, order: x.order)
        case let fakeQuantize as FakeQuantize:
            // Per tensor: the axis order does not matter.
            return quantizeDequantize(fakeQuantize.quantization, x, path: path)
        case is Dropout:
            // Inference is the identity.
            return x
        case is Flatten:
            let input = inStorageSequence(x, path: path)
            let name = addNode("Flatten", inputs: [input.name], path: path, attributes: [.int("axis", 1)])
            return ONNXExportedValue(name: name, shape: outputShape, order: [0, 1], quantization: x.quantization)
        case let reshape as Reshape:
            let input = inStorageSequence(x, path: path)
            // 0 copies the input's (dynamic) batch dimension.
            let shape = addInitializer("\(path).shape", dims: [reshape.targetShape.count + 1], int64s: [0] + reshape.targetShape)
            let name = addNode("Reshape", inputs: [input.name, shape], path: path)
            return ONNXExportedValue(name: name, shape: outputShape, order: Array(0..<outputShape.count), quantization: x.quantization)
        case let permute as Permute:
            return try self.permute(permute, x, path: path)
        case let pool as MaxPool2D:
            // The maximum of values on an int8 grid is on the same grid.
            var output = pooling("MaxPool", x, window: pool.window, path: path, outputShape: outputShape)
            output.quantization = x.quantization
            return output
        case let pool as AvgPool2D:
            return pooling("AveragePool", x, window: pool.window, path: path, outputShape: outputShape,
                           extra: [.int("count_include_pad", pool.countIncludesPadding ? 1 : 0)])
        case let pool as GlobalAvgPool:
            let input = value(x, in: ONNXExportedValue.nchw, path: path)
            let pooled = addNode("GlobalAveragePool", inputs: [input.name], path: path)
            guard !pool.keepDims else { return ONNXExportedValue(name: pooled, shape: outputShape, order: ONNXExportedValue.nchw) }
            let name = addNode("Flatten", inputs: [pooled], path: path, attributes: [.int("axis", 1)])
            return ONNXExportedValue(name: name, shape: outputShape, order: [0, 1])
        default:
            throw SepCNNError.invalidArgument(
                "ONNX export: layer '\(path.isEmpty ? "(the network)" : path)' is a \(layer.typeName), which has no ONNX equivalent in SepCNN's exporter")
        }
    }

    /// Layers of several inputs, or of one input and a constant operand.
    mutating func exportMultiInput(_ layer: any MultiInputLayer, path: String, inputs: [ONNXExportedValue]) throws -> ONNXExportedValue {
        let outputShape = try self.outputShape(of: layer, at: path) { try layer.outputShape(forInputs: inputs.map(\.shape)) }
        switch layer {
        case let elementwise as Elementwise:
            let opType = switch elementwise.operation {
            case .add: "Add"
            case .subtract: "Sub"
            case .multiply: "Mul"
            case .divide: "Div"
            }
            guard let constant = elementwise.constant?.value else {
                return binary(opType, inputs[0], inputs[1], outputShape: outputShape, path: path)
            }
            let x = inputs[0]
            let rank = outputShape.count
            let order = x.rank == rank ? x.order : ONNXExportedValue.defaultOrder(rank: rank)
            let operand = aligned(x, rank: rank, order: order, path: path)
            // The constant is in storage order: align it on the right, then reorder it like the operand.
            let stored = try constant.reshaped(to: [Int](repeating: 1, count: rank - constant.rank) + constant.shape)
            let c = addInitializer("\(path).constant", dims: order.map { stored.shape[$0] }, floats: try stored.transposed(order).scalars)
            let name = addNode(opType, inputs: elementwise.constantFirst ? [c, operand.name] : [operand.name, c], path: path)
            return ONNXExportedValue(name: name, shape: outputShape, order: order)
        case let concatenate as Concatenate:
            let order = inputs[0].order
            let names = inputs.map { value($0, in: order, path: path).name }
            let axis = inputs[0].onnxAxis(ofStored: concatenate.axis)
            let name = addNode("Concat", inputs: names, path: path, attributes: [.int("axis", axis)])
            return ONNXExportedValue(name: name, shape: outputShape, order: order)
        default:
            throw SepCNNError.invalidArgument(
                "ONNX export: layer '\(path.isEmpty ? "(the network)" : path)' is a \(layer.typeName), which has no ONNX equivalent in SepCNN's exporter")
        }
    }

    // MARK: - Helpers

    /// `shape()`, with a shape error attributed to the layer at `path`.
    func outputShape(of layer: any Layer, at path: String, _ shape: () throws -> [Int]) throws -> [Int] {
        path.isEmpty ? try shape() : try within(path, shape)
    }

    /// A Conv node reading `x` as NCHW; `weight` is already in ONNX's `[M, C/g, kh, kw]`.
    private mutating func convolution(_ x: ONNXExportedValue, path: String, weight: Tensor, quantization: WeightQuantization?,
                                      window: Window, groups: Int, bias: Parameter?, outputShape: [Int]) throws -> ONNXExportedValue {
        let input = value(x, in: ONNXExportedValue.nchw, path: path)
        var inputs = [input.name, try weightInput("\(path).weight", path: path, onnx: weight, quantization: quantization)]
        if let bias { inputs.append(biasInput("\(path).bias", path: path, bias: bias, input: x, weight: quantization)) }
        let attributes: [Onnx_AttributeProto] = [
            .ints("dilations", [window.dilation.height, window.dilation.width]),
            .int("group", groups),
            .ints("kernel_shape", [window.kernel.height, window.kernel.width]),
            .ints("pads", explicitPads(window, input: x.shape)),
            .ints("strides", [window.stride.height, window.stride.width]),
        ]
        let name = addNode("Conv", inputs: inputs, path: path, attributes: attributes)
        return ONNXExportedValue(name: name, shape: outputShape, order: ONNXExportedValue.nchw)
    }

    private mutating func pooling(_ opType: String, _ x: ONNXExportedValue, window: Window, path: String, outputShape: [Int],
                                  extra: [Onnx_AttributeProto] = []) -> ONNXExportedValue {
        let input = value(x, in: ONNXExportedValue.nchw, path: path)
        let attributes: [Onnx_AttributeProto] = extra + [
            .ints("kernel_shape", [window.kernel.height, window.kernel.width]),
            .ints("pads", explicitPads(window, input: x.shape)),
            .ints("strides", [window.stride.height, window.stride.width]),
        ]
        let name = addNode(opType, inputs: [input.name], path: path, attributes: attributes)
        return ONNXExportedValue(name: name, shape: outputShape, order: ONNXExportedValue.nchw)
    }

    /// ONNX `pads` `[top, left, bottom, right]` for an NHWC input of `input`; `.same` is resolved
    /// for this static size as `Window` does (any odd pixel at the bottom/right, ONNX's SAME_UPPER).
    private func explicitPads(_ window: Window, input: [Int]) -> [Int] {
        switch window.padding {
        case .valid:
            return [0, 0, 0, 0]
        case let .explicit(top, bottom, left, right):
            return [top, left, bottom, right]
        case .same:
            let kernel = window.effectiveKernel
            func split(_ size: Int, _ stride: Int, _ extent: Int) -> (Int, Int) {
                let output = (size + stride - 1) / stride
                let total = max((output - 1) * stride + extent - size, 0)
                return (total / 2, total - total / 2)
            }
            let rows = split(input[1], window.stride.height, kernel.height)
            let columns = split(input[2], window.stride.width, kernel.width)
            return [rows.0, columns.0, rows.1, columns.1]
        }
    }

    /// The fused or standalone activation after a layer; `.linear` adds nothing.
    mutating func activation(_ activation: Activation, _ x: ONNXExportedValue, path: String) -> ONNXExportedValue {
        let name: String
        switch activation {
        case .linear:
            return x
        case .relu:
            name = addNode("Relu", inputs: [x.name], path: path)
        case .relu6:
            name = addNode("Clip", inputs: [x.name, scalar(0), scalar(6)], path: path)
        case .hardSwish:
            name = addNode("HardSwish", inputs: [x.name], path: path)
        case .hardSigmoid:
            // PyTorch's relu6(x + 3) / 6, which torch.onnx writes the same way.
            name = addNode("HardSigmoid", inputs: [x.name], path: path, attributes: [.float("alpha", 1 / 6), .float("beta", 0.5)])
        case .sigmoid:
            name = addNode("Sigmoid", inputs: [x.name], path: path)
        case .silu:
            // ONNX has no SiLU before opset 24: x · sigmoid(x), as torch.onnx writes it.
            let sigmoid = addNode("Sigmoid", inputs: [x.name], path: path)
            name = addNode("Mul", inputs: [x.name, sigmoid], path: path)
        }
        return ONNXExportedValue(name: name, shape: x.shape, order: x.order)
    }

    /// `min(max(scale · x + offset, minimum), maximum)`: HardSigmoid for bounds 0 and 1 (which is
    /// what the importer made such a Clamp from), else Mul, Add and Clip as needed.
    private mutating func clamp(_ clamp: Clamp, _ x: ONNXExportedValue, path: String) -> ONNXExportedValue {
        if clamp.minimum == 0 && clamp.maximum == 1 {
            let name = addNode("HardSigmoid", inputs: [x.name], path: path,
                               attributes: [.float("alpha", clamp.scale), .float("beta", clamp.offset)])
            return ONNXExportedValue(name: name, shape: x.shape, order: x.order)
        }
        var name = x.name
        if clamp.scale != 1 { name = addNode("Mul", inputs: [name, scalar(clamp.scale)], path: path) }
        if clamp.offset != 0 { name = addNode("Add", inputs: [name, scalar(clamp.offset)], path: path) }
        if clamp.minimum > -.infinity || clamp.maximum < .infinity {
            // An empty name omits a bound.
            let low = clamp.minimum > -.infinity ? scalar(clamp.minimum) : ""
            let high = clamp.maximum < .infinity ? scalar(clamp.maximum) : ""
            name = addNode("Clip", inputs: high.isEmpty ? [name, low] : [name, low, high], path: path)
        }
        return ONNXExportedValue(name: name, shape: x.shape, order: x.order)
    }

    /// A Permute changes only which stored axis each ONNX axis holds: no node is needed until a
    /// consumer wants another order.
    private func permute(_ permute: Permute, _ x: ONNXExportedValue, path: String) throws -> ONNXExportedValue {
        guard permute.order.first == 0 else {
            throw SepCNNError.invalidArgument(
                "ONNX export: layer '\(path)' permutes \(permute.order), moving the batch axis, which an export with a dynamic batch cannot express")
        }
        var inverse = [Int](repeating: 0, count: permute.order.count)
        for (output, source) in permute.order.enumerated() { inverse[source] = output }
        return ONNXExportedValue(name: x.name, shape: permute.order.map { x.shape[$0] }, order: x.order.map { inverse[$0] },
                                 quantization: x.quantization)
    }
}

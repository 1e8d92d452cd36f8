/// The ONNX operators on values the network computes, each mapped to SepCNN layers in NHWC.
extension ONNXGraphImporter {
    /// The values of `node`'s outputs, in order (usually one).
    mutating func convert(_ node: Onnx_NodeProto) throws -> [Value] {
        if let folded = try foldConstants(node) { return [.constant(folded)] }
        switch node.opType {
        case "Identity", "Dropout":
            if node.opType == "Dropout", let training = try optionalConstantInput(2, "training_mode"), training.values.contains(where: { $0 != 0 }) {
                throw SepCNNError.invalidArgument("Dropout in training mode is not an inference operator")
            }
            return [try input(0)]
        case "Cast":
            try requireInputCount(1...1)
            let to = try attributes.int("to", default: 1)
            guard to == Int(Onnx_TensorProto.DataType.float.rawValue) else {
                throw SepCNNError.invalidArgument("casts a computed value to type \(to); SepCNN computes in float32 only")
            }
            return [.runtime(try runtimeInput(0))]
        case "QuantizeLinear", "DequantizeLinear", "QLinearConv", "QLinearMatMul": return [try convertQuantized(node)]
        case "Conv": return [.runtime(try convertConv())]
        case "BatchNormalization": return [.runtime(try convertBatchNorm())]
        case "Relu": return [.runtime(try activation(ReLU()))]
        case "Sigmoid": return [.runtime(try activation(Sigmoid()))]
        case "HardSwish": return [.runtime(try activation(HardSwish()))]
        case "HardSigmoid":
            let alpha = attributes.float("alpha", default: 0.2), beta = attributes.float("beta", default: 0.5)
            if abs(alpha - 1 / 6) < 1e-7 && beta == 0.5 { return [.runtime(try activation(HardSigmoid()))] }
            return [.runtime(try activation(Clamp(minimum: 0, maximum: 1, scale: alpha, offset: beta)))]
        case "Clip": return [.runtime(try convertClip())]
        case "Add": return [.runtime(try convertElementwise(.add))]
        case "Sub": return [.runtime(try convertElementwise(.subtract))]
        case "Mul": return [.runtime(try convertElementwise(.multiply))]
        case "Div": return [.runtime(try convertElementwise(.divide))]
        case "GlobalAveragePool":
            try requireInputCount(1...1)
            let x = try imageInput(0)
            return [.runtime(try emit(GlobalAvgPool(keepDims: true), inputs: [x.id], shape: [x.shape[0], x.shape[1], 1, 1]))]
        case "ReduceMean": return [.runtime(try convertReduceMean())]
        case "MaxPool", "AveragePool": return [.runtime(try convertPool(max: node.opType == "MaxPool"))]
        case "Flatten":
            try requireInputCount(1...1)
            let x = try runtimeInput(0)
            guard try axis(attributes.int("axis", default: 1), rank: x.rank + 1) == 1 else {
                throw SepCNNError.invalidArgument("Flatten is supported with axis 1 (keeping the batch axis) only")
            }
            return [.runtime(try reshape(x, to: [x.shape[0], x.shape.dropFirst().reduce(1, *)]))]
        case "Reshape": return [.runtime(try convertReshape())]
        case "Squeeze", "Unsqueeze": return [.runtime(try convertSqueeze(insert: node.opType == "Unsqueeze"))]
        case "Gemm", "MatMul": return [.runtime(try convertDense())]
        case "Concat": return [.runtime(try convertConcat())]
        case "Pad": return [.runtime(try convertPad())]
        case "Transpose": return [.runtime(try convertTranspose())]
        case "Softmax":
            try requireInputCount(1...1)
            let x = try runtimeInput(0)
            let axisValue = try axis(attributes.int("axis", default: opset >= 13 ? -1 : 1), rank: x.rank)
            guard x.rank == 2, axisValue == 1 else {
                throw SepCNNError.invalidArgument("Softmax is supported over the last axis of a [batch, classes] value only, got axis \(axisValue) of \(describe(x.shape))")
            }
            return [.runtime(try emit(Softmax(), inputs: [x.id], shape: x.shape))]
        case "Shape":
            // Shape of a computed value: static here, so a constant (with batch 1).
            let x = try runtimeInput(0)
            return [.constant(try shapeConstant(x.shape))]
        default:
            throw SepCNNError.invalidArgument("\(node.opType) is supported only on constants (shape computations)")
        }
    }

    // MARK: - Convolution and normalisation

    /// A rank-4 runtime input.
    func imageInput(_ index: Int, allowingPad: Bool = false) throws -> RuntimeValue {
        let x = try runtimeInput(index, allowingPad: allowingPad)
        guard x.rank == 4 else {
            throw SepCNNError.invalidArgument("needs an NCHW image input, got shape \(describe(x.shape))")
        }
        return x
    }

    private mutating func convertConv() throws -> RuntimeValue {
        try requireInputCount(2...3)
        let x = try imageInput(0, allowingPad: true)
        return try convolution(x, weight: try constantInput(1, "the weight"), bias: try optionalConstantInput(2, "the bias"))
    }

    /// A Conv of the node's attributes on `x`; `w` is ONNX's `[M, C/g, kh, kw]`. A weight from a
    /// DequantizeLinear stays on its int8 grid.
    mutating func convolution(_ x: RuntimeValue, weight w: ONNXConstant, bias: ONNXConstant?) throws -> RuntimeValue {
        guard x.rank == 4 else { throw SepCNNError.invalidArgument("needs an NCHW image input, got shape \(describe(x.shape))") }
        guard w.dims.count == 4 else { throw SepCNNError.invalidArgument("Conv is supported in 2-D only; the weight has shape \(describe(w.dims))") }
        let (m, perGroup, kh, kw) = (w.dims[0], w.dims[1], w.dims[2], w.dims[3])
        let c = x.shape[1]
        let groups = try attributes.int("group", default: 1)
        guard groups >= 1, c % groups == 0, m % groups == 0, perGroup == c / groups, m > 0, kh > 0, kw > 0 else {
            throw SepCNNError.invalidArgument("weight \(describe(w.dims)) does not fit \(c) input channels in \(groups) groups")
        }
        if let kernel = try attributes.ints("kernel_shape"), kernel != [kh, kw] {
            throw SepCNNError.invalidArgument("kernel_shape \(describeList(kernel)) disagrees with the weight's \(describe(w.dims))")
        }
        if let bias, bias.count != m { throw SepCNNError.invalidArgument("the bias has \(bias.count) values for \(m) output channels") }
        let pending = x.pendingPad ?? [0, 0, 0, 0]
        let window = try windowAttributes(input: [x.shape[2] + pending[0] + pending[1], x.shape[3] + pending[2] + pending[3]], kernel: [kh, kw])
        let pads = zip(window.pads, pending).map { $0 + $1 }
        let padding = Padding.explicit(top: pads[0], bottom: pads[1], left: pads[2], right: pads[3])
        let stride = Size2D(window.strides[0], window.strides[1])
        let dilation = Size2D(window.dilations[0], window.dilations[1])

        let layer: any Layer
        if groups == 1 && kh == 1 && kw == 1 && stride == 1 && pads.allSatisfy({ $0 == 0 }) {
            let pointwise = try PointwiseConv2D(inputChannels: c, outputChannels: m)
            try pointwise.weight.assign(w.transposedTensor([1, 0, 2, 3], shape: [c, m]))
            try keepOnGrid(pointwise.weight, w, outputAxis: 0)
            try pointwise.bias!.assign(biasTensor(bias, m))
            layer = pointwise
        } else if groups == c && c > 1 {
            let multiplier = m / c
            let depthwise = try DepthwiseConv2D(channels: c, kernelSize: Size2D(kh, kw), stride: stride, padding: padding,
                                                dilation: dilation, depthMultiplier: multiplier)
            // ONNX output channel c·multiplier + j ↔ SepCNN [ky, kx, c, j].
            let grouped = ONNXConstant(dims: [c, multiplier, kh, kw], values: w.values, isInteger: false)
            try depthwise.weight.assign(grouped.transposedTensor([2, 3, 0, 1], shape: [kh, kw, c, multiplier]))
            try keepOnGrid(depthwise.weight, w, outputAxis: 0)
            try depthwise.bias!.assign(biasTensor(bias, m))
            layer = depthwise
        } else {
            let conv = try Conv2D(inputChannels: c, outputChannels: m, kernelSize: Size2D(kh, kw), stride: stride,
                                  padding: padding, dilation: dilation, groups: groups)
            try conv.weight.assign(w.transposedTensor([2, 3, 1, 0], shape: [kh, kw, perGroup, m]))
            try keepOnGrid(conv.weight, w, outputAxis: 0)
            try conv.bias!.assign(biasTensor(bias, m))
            layer = conv
        }
        let stored = try layer.outputShape(for: x.storedShape)
        return try emit(layer, inputs: [x.id], shape: [stored[0], stored[3], stored[1], stored[2]])
    }

    private func biasTensor(_ bias: ONNXConstant?, _ count: Int) throws -> Tensor {
        try Tensor(shape: [count], scalars: bias?.floats ?? [Float](repeating: 0, count: count))
    }

    /// strides, dilations and explicit pads `[top, bottom, left, right]` of a Conv or pooling node,
    /// resolving auto_pad against the (static) input size.
    func windowAttributes(input: [Int], kernel: [Int]) throws -> (strides: [Int], dilations: [Int], pads: [Int]) {
        let a = attributes
        let strides = try a.ints("strides") ?? [1, 1]
        let dilations = try a.ints("dilations") ?? [1, 1]
        guard strides.count == 2, dilations.count == 2, strides.allSatisfy({ (1...4096).contains($0) }),
              dilations.allSatisfy({ (1...4096).contains($0) }) else {
            throw SepCNNError.invalidArgument("strides \(describeList(strides)) and dilations \(describeList(dilations)) must be two positive values each")
        }
        let autoPad = a.string("auto_pad", default: "NOTSET")
        switch autoPad {
        case "NOTSET":
            let pads = try a.ints("pads") ?? [0, 0, 0, 0]
            guard pads.count == 4, pads.allSatisfy({ (0...65536).contains($0) }) else {
                throw SepCNNError.invalidArgument("pads \(describeList(pads)) must be four non-negative values")
            }
            return (strides, dilations, [pads[0], pads[2], pads[1], pads[3]])
        case "VALID":
            return (strides, dilations, [0, 0, 0, 0])
        case "SAME_UPPER", "SAME_LOWER":
            var pads: [Int] = []
            for axis in 0..<2 {
                let output = (input[axis] + strides[axis] - 1) / strides[axis]
                let total = max((output - 1) * strides[axis] + (kernel[axis] - 1) * dilations[axis] + 1 - input[axis], 0)
                let before = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2
                pads += [before, total - before]
            }
            return (strides, dilations, pads)
        default:
            throw SepCNNError.invalidArgument("auto_pad '\(autoPad)' is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER")
        }
    }

    private mutating func convertBatchNorm() throws -> RuntimeValue {
        try requireInputCount(5...5)
        if try attributes.int("training_mode", default: 0) != 0 {
            throw SepCNNError.invalidArgument("BatchNormalization in training mode is not an inference operator")
        }
        let x = try runtimeInput(0)
        guard x.rank == 4 || x.rank == 2 else { throw SepCNNError.invalidArgument("needs an NCHW or [N, C] input, got \(describe(x.shape))") }
        let channels = x.shape[1]
        let bn = try BatchNorm(channels: channels, epsilon: attributes.float("epsilon", default: 1e-5))
        for (index, (parameter, what)) in [(bn.weight, "scale"), (bn.bias, "bias"), (bn.runningMean, "mean"), (bn.runningVar, "variance")].enumerated() {
            let value = try constantInput(index + 1, "the \(what)")
            guard value.count == channels else { throw SepCNNError.invalidArgument("the \(what) has \(value.count) values for \(channels) channels") }
            try parameter.assign(Tensor(shape: [channels], scalars: value.floats))
        }
        return try emit(bn, inputs: [x.id], shape: x.shape)
    }

    // MARK: - Activations

    private mutating func activation(_ layer: any Layer) throws -> RuntimeValue {
        try requireInputCount(1...1)
        let x = try runtimeInput(0)
        return try emit(layer, inputs: [x.id], shape: x.shape)
    }

    private mutating func convertClip() throws -> RuntimeValue {
        try requireInputCount(1...3)
        var low = -Float.infinity, high = Float.infinity
        if opset < 11 {
            low = attributes.float("min", default: low)
            high = attributes.float("max", default: high)
        } else {
            if let value = try optionalConstantInput(1, "min") {
                guard value.count == 1 else { throw SepCNNError.invalidArgument("min must be a scalar") }
                low = Float(value.values[0])
            }
            if let value = try optionalConstantInput(2, "max") {
                guard value.count == 1 else { throw SepCNNError.invalidArgument("max must be a scalar") }
                high = Float(value.values[0])
            }
        }
        let x = try runtimeInput(0)
        let layer: any Layer
        switch (low, high) {
        case (0, 6): layer = ReLU6()
        case (0, .infinity): layer = ReLU()
        default: layer = try Clamp(minimum: low, maximum: high)
        }
        return try emit(layer, inputs: [x.id], shape: x.shape)
    }

    // MARK: - Elementwise arithmetic

    private mutating func convertElementwise(_ operation: BinaryOperation) throws -> RuntimeValue {
        try requireInputCount(2...2)
        switch (try input(0), try input(1)) {
        case (.runtime, .runtime):
            let a = try runtimeInput(0), b = try runtimeInput(1)
            guard a.rank == b.rank, let shape = BroadcastGeometry(a.shape, b.shape)?.shape else {
                throw SepCNNError.invalidArgument("operands \(describe(a.shape)) and \(describe(b.shape)) must have the same rank and broadcast")
            }
            return try emit(Elementwise(operation), inputs: [a.id, b.id], shape: shape)
        case (.runtime, .constant(let c)):
            return try elementwise(operation, runtimeIndex: 0, constant: c, constantFirst: false)
        case (.constant(let c), .runtime):
            return try elementwise(operation, runtimeIndex: 1, constant: c, constantFirst: true)
        case (.constant, .constant):
            throw SepCNNError.invalidArgument("internal: constant arithmetic was not folded")
        }
    }

    private mutating func elementwise(_ operation: BinaryOperation, runtimeIndex: Int, constant c: ONNXConstant,
                                      constantFirst: Bool) throws -> RuntimeValue {
        let x = try runtimeInput(runtimeIndex)
        guard c.dims.count <= x.rank, BroadcastGeometry(x.shape, c.dims)?.shape == x.shape else {
            throw SepCNNError.invalidArgument("the constant of shape \(describe(c.dims)) must broadcast to the computed operand \(describe(x.shape))")
        }
        // The constant in SepCNN's storage order: rank aligned, then NCHW → NHWC for images.
        var aligned = ONNXConstant(dims: [Int](repeating: 1, count: x.rank - c.dims.count) + c.dims, values: c.values, isInteger: false)
        if x.rank == 4 { aligned = aligned.transposed([0, 2, 3, 1]) }
        if !constantFirst || operation == .add || operation == .multiply, try foldIntoProducer(operation, aligned, x, runtimeIndex: runtimeIndex) {
            return x
        }
        let layer = Elementwise(operation, constant: try aligned.tensor(), constantFirst: constantFirst)
        return try emit(layer, inputs: [x.id], shape: x.shape)
    }

    /// Folds `x op c` into the convolution or dense layer that computes `x`, when c holds one
    /// value per output channel (or one for all) and nothing else reads `x` — as tf2onnx leaves
    /// a depthwise convolution's BatchNorm as Mul and Add.
    private mutating func foldIntoProducer(_ operation: BinaryOperation, _ c: ONNXConstant, _ x: RuntimeValue, runtimeIndex: Int) throws -> Bool {
        guard readerCount(ofInput: runtimeIndex) == 1, isDirectOutput(x, name: current.input[runtimeIndex]),
              c.dims.dropLast().allSatisfy({ $0 == 1 }), let producer = producer(of: x) else { return false }
        let weight: Parameter, bias: Parameter?, channels: Int
        switch producer {
        case let l as DepthwiseConv2D: (weight, bias, channels) = (l.weight, l.bias, l.outputChannels)
        case let l as Conv2D: (weight, bias, channels) = (l.weight, l.bias, l.outputChannels)
        case let l as PointwiseConv2D: (weight, bias, channels) = (l.weight, l.bias, l.outputChannels)
        case let l as Dense: (weight, bias, channels) = (l.weight, l.bias, l.outputFeatures)
        default: return false
        }
        guard let bias, c.count == channels || c.count == 1 else { return false }
        // Rescaling an int8 weight would take it off its grid.
        if weight.quantization != nil && (operation == .multiply || operation == .divide) { return false }
        let values = c.floats
        func value(_ channel: Int) -> Float { values.count == 1 ? values[0] : values[channel] }
        var w = weight.value.scalars, b = bias.value.scalars
        switch operation {
        case .multiply, .divide:
            // Every SepCNN weight layout keeps the output channel innermost.
            for i in w.indices { w[i] = operation == .multiply ? w[i] * value(i % channels) : w[i] / value(i % channels) }
            for i in b.indices { b[i] = operation == .multiply ? b[i] * value(i) : b[i] / value(i) }
        case .add, .subtract:
            for i in b.indices { b[i] = operation == .add ? b[i] + value(i) : b[i] - value(i) }
        }
        try weight.assign(Tensor(shape: weight.shape, scalars: w))
        try bias.assign(Tensor(shape: bias.shape, scalars: b))
        // The result now carries this node's output name: a following Add may fold in as well.
        if let name = current.output.first { directNames[x.id] = name }
        return true
    }

    // MARK: - Pooling and reductions

    private mutating func convertReduceMean() throws -> RuntimeValue {
        try requireInputCount(1...2)
        let x = try imageInput(0)
        let axesValue: [Int]?
        if opset >= 18 {
            axesValue = try optionalConstantInput(1, "axes").map { try $0.integers("axes") }
        } else {
            axesValue = try attributes.ints("axes")
        }
        let axes = try (axesValue ?? [0, 1, 2, 3]).map { try axis($0, rank: 4, "axes") }.sorted()
        guard axes == [2, 3] else { throw SepCNNError.invalidArgument("ReduceMean is supported over the spatial axes [2, 3] only, got \(describeList(axes))") }
        let keep = try attributes.int("keepdims", default: 1) != 0
        return try emit(GlobalAvgPool(keepDims: keep), inputs: [x.id], shape: keep ? [x.shape[0], x.shape[1], 1, 1] : [x.shape[0], x.shape[1]])
    }

    private mutating func convertPool(max isMax: Bool) throws -> RuntimeValue {
        try requireInputCount(1...1)
        if current.output.count > 1, !current.output[1].isEmpty {
            throw SepCNNError.invalidArgument("MaxPool's indices output is not supported")
        }
        let x = try imageInput(0)
        guard let kernel = try attributes.ints("kernel_shape"), kernel.count == 2, kernel.allSatisfy({ (1...65536).contains($0) }) else {
            throw SepCNNError.invalidArgument("needs a two-value positive kernel_shape")
        }
        let window = try windowAttributes(input: [x.shape[2], x.shape[3]], kernel: kernel)
        guard window.dilations == [1, 1] else { throw SepCNNError.invalidArgument("dilated pooling is not supported") }
        if try attributes.int("ceil_mode", default: 0) != 0 {
            // ceil_mode only matters when the last window would start inside the padded input but not fit.
            for axis in 0..<2 {
                let span = x.shape[2 + axis] + window.pads[2 * axis] + window.pads[2 * axis + 1] - kernel[axis]
                guard span < 0 || span % window.strides[axis] == 0 else {
                    throw SepCNNError.invalidArgument("ceil_mode = 1 changes the output size here; not supported")
                }
            }
        }
        let padding = Padding.explicit(top: window.pads[0], bottom: window.pads[1], left: window.pads[2], right: window.pads[3])
        let pool: any Layer = isMax
            ? try MaxPool2D(poolSize: Size2D(kernel[0], kernel[1]), stride: Size2D(window.strides[0], window.strides[1]), padding: padding)
            : try AvgPool2D(poolSize: Size2D(kernel[0], kernel[1]), stride: Size2D(window.strides[0], window.strides[1]), padding: padding,
                            countIncludesPadding: attributes.int("count_include_pad", default: 0) != 0)
        let stored = try pool.outputShape(for: x.storedShape)
        return try emit(pool, inputs: [x.id], shape: [stored[0], stored[3], stored[1], stored[2]])
    }

    // MARK: - Shapes and layout

    /// `x` with ONNX shape `target` (same batch, same values in ONNX order).
    mutating func reshape(_ x: RuntimeValue, to target: [Int]) throws -> RuntimeValue {
        guard target.first == x.shape.first, target.reduce(1, *) == x.shape.reduce(1, *), target.allSatisfy({ $0 > 0 }) else {
            throw SepCNNError.invalidArgument("cannot reshape \(describe(x.shape)) to \(describe(target)) keeping the batch axis")
        }
        if target == x.shape { return x }
        let source = try inONNXOrder(x)
        if target.count == 4 && target[2] * target[3] != 1 && target[1] != 1 {
            let flat = try emit(Reshape(Array(target.dropFirst())), inputs: [source], shape: target, suffix: "_reshape")
            return try emit(Permute(order: [0, 2, 3, 1]), inputs: [flat.id], shape: target, suffix: "_toNHWC")
        }
        let stored = target.count == 4 ? [target[2], target[3], target[1]] : Array(target.dropFirst())
        return try emit(Reshape(stored), inputs: [source], shape: target)
    }

    private mutating func convertReshape() throws -> RuntimeValue {
        try requireInputCount(2...2)
        let x = try runtimeInput(0)
        let shape = try constantInput(1, "the shape")
        let target = try reshapeTarget(x.shape, shape.integers("the shape"), allowZero: attributes.int("allowzero", default: 0) != 0)
        return try reshape(x, to: target)
    }

    private mutating func convertSqueeze(insert: Bool) throws -> RuntimeValue {
        try requireInputCount(1...2)
        let x = try runtimeInput(0)
        let axes: [Int]? = opset >= 13 ? try optionalConstantInput(1, "axes").map { try $0.integers("axes") } : try attributes.ints("axes")
        return try reshape(x, to: squeezed(x.shape, axes: axes, insert: insert))
    }

    private mutating func convertDense() throws -> RuntimeValue {
        let isGemm = current.opType == "Gemm"
        try requireInputCount(isGemm ? 2...3 : 2...2)
        let a = try runtimeInput(0)
        let b = try constantInput(1, "B")
        let attrs = attributes
        if isGemm { guard try attrs.int("transA", default: 0) == 0 else { throw SepCNNError.invalidArgument("transA = 1 is not supported") } }
        let transB = isGemm ? try attrs.int("transB", default: 0) != 0 : false
        var bias: ONNXConstant?
        if isGemm { bias = try optionalConstantInput(2, "C") }
        return try dense(a, weight: transB ? b.transposedKeepingScales([1, 0]) : b, outputAxis: transB ? 0 : 1, bias: bias,
                         alpha: isGemm ? attrs.float("alpha", default: 1) : 1, beta: isGemm ? attrs.float("beta", default: 1) : 1)
    }

    /// A Dense layer for `a × b · alpha + beta · bias`, `b` being `[features, outputs]`. A weight from
    /// a DequantizeLinear (scales along ONNX axis `outputAxis` of the file's tensor) stays on its int8 grid.
    mutating func dense(_ a: RuntimeValue, weight b: ONNXConstant, outputAxis: Int, bias c: ONNXConstant?, alpha: Float, beta: Float) throws -> RuntimeValue {
        guard a.rank == 2, b.dims.count == 2 else {
            throw SepCNNError.invalidArgument("is supported as [batch, features] × constant [features, outputs], got \(describe(a.shape)) × \(describe(b.dims))")
        }
        let (k, m) = (b.dims[0], b.dims[1])
        guard k == a.shape[1], m > 0 else {
            throw SepCNNError.invalidArgument("B of shape \(describe(b.dims)) does not take \(a.shape[1]) input features")
        }
        var bias = [Float](repeating: 0, count: m)
        if let c {
            guard c.count == m || c.count == 1, c.dims.count <= 2, c.dims.dropLast().allSatisfy({ $0 == 1 }) else {
                throw SepCNNError.invalidArgument("C of shape \(describe(c.dims)) must hold one bias per output (\(m))")
            }
            let values = c.floats
            bias = (0..<m).map { beta * values[values.count == 1 ? 0 : $0] }
        }
        let dense = try Dense(inputFeatures: k, outputFeatures: m)
        try dense.weight.assign(Tensor(shape: [k, m], scalars: b.floats.map { $0 * alpha }))
        if alpha != 0 { try keepOnGrid(dense.weight, b, outputAxis: outputAxis, factor: alpha) }
        try dense.bias!.assign(Tensor(shape: [m], scalars: bias))
        return try emit(dense, inputs: [a.id], shape: [a.shape[0], m])
    }

    private mutating func convertConcat() throws -> RuntimeValue {
        guard !current.input.isEmpty else { throw SepCNNError.invalidArgument("needs at least one input") }
        let inputs = try (0..<current.input.count).map { try runtimeInput($0) }
        let rank = inputs[0].rank
        guard let axisAttribute = attributes.attribute("axis"), inputs.allSatisfy({ $0.rank == rank }) else {
            throw SepCNNError.invalidArgument("needs an axis and inputs of one rank")
        }
        let axisValue = try axis(Int(clamping: axisAttribute.i), rank: rank)
        guard axisValue != 0 else { throw SepCNNError.invalidArgument("concatenation along the batch axis is not supported") }
        var shape = inputs[0].shape
        for other in inputs.dropFirst() {
            var check = other.shape
            check[axisValue] = shape[axisValue]
            guard check == shape else { throw SepCNNError.invalidArgument("inputs \(describe(inputs[0].shape)) and \(describe(other.shape)) differ outside axis \(axisValue)") }
            shape[axisValue] += other.shape[axisValue]
        }
        let layer = try Concatenate(axis: Self.storedAxis(axisValue, of: inputs[0]))
        return try emit(layer, inputs: inputs.map(\.id), shape: shape)
    }

    private mutating func convertPad() throws -> RuntimeValue {
        try requireInputCount(1...4)
        let mode = attributes.string("mode", default: "constant")
        guard mode == "constant" else { throw SepCNNError.invalidArgument("Pad mode '\(mode)' is not supported (constant zero padding only)") }
        let pads: [Int]
        var value: Double = 0
        if opset < 11 {
            pads = try attributes.ints("pads") ?? []
            value = Double(attributes.float("value", default: 0))
        } else {
            pads = try constantInput(1, "pads").integers("pads")
            if let constant = try optionalConstantInput(2, "constant_value") {
                guard constant.count == 1 else { throw SepCNNError.invalidArgument("constant_value must be a scalar") }
                value = constant.values[0]
            }
            if try optionalInput(3) != nil { throw SepCNNError.invalidArgument("the axes input is not supported") }
        }
        let x = try imageInput(0)
        guard value == 0 else { throw SepCNNError.invalidArgument("padding with \(value) is not supported (zero padding only)") }
        guard pads.count == 8, pads[0] == 0, pads[1] == 0, pads[4] == 0, pads[5] == 0,
              [pads[2], pads[3], pads[6], pads[7]].allSatisfy({ (0...65536).contains($0) }) else {
            throw SepCNNError.invalidArgument("pads \(describeList(pads)) must pad height and width only, by non-negative amounts")
        }
        var padded = x
        padded.pendingPad = [pads[2], pads[6], pads[3], pads[7]]
        return padded
    }

    private mutating func convertTranspose() throws -> RuntimeValue {
        try requireInputCount(1...1)
        let x = try runtimeInput(0)
        let perm = try attributes.ints("perm") ?? Array((0..<x.rank).reversed())
        guard perm.sorted() == Array(0..<x.rank) else { throw SepCNNError.invalidArgument("perm \(describeList(perm)) is not a permutation of \(x.rank) axes") }
        let shape = perm.map { x.shape[$0] }
        var order = perm
        if x.rank == 4 {
            // Stored axis i of the result holds logical axis [0, 2, 3, 1][i], found in the input's storage.
            let storedPosition = x.storedAsDeclared ? [0, 1, 2, 3] : [0, 3, 1, 2]
            order = [0, 2, 3, 1].map { storedPosition[perm[$0]] }
        }
        guard order[0] == 0 else { throw SepCNNError.invalidArgument("transposing the batch axis is not supported") }
        if order == Array(0..<x.rank) { return RuntimeValue(id: x.id, shape: shape) }
        return try emit(Permute(order: order), inputs: [x.id], shape: shape)
    }
}

extension ONNXConstant {
    /// `transposed`, keeping a dequantized weight's scales (the axis they lie along stays the file's).
    func transposedKeepingScales(_ order: [Int]) -> ONNXConstant {
        var result = transposed(order)
        result.weightScales = weightScales
        return result
    }

    /// The values reordered by `order` (ONNX axes), as a SepCNN tensor of `shape`.
    func transposedTensor(_ order: [Int], shape: [Int]) throws -> Tensor {
        var dims = self.dims
        // A pointwise weight [M, C, 1, 1] is reordered as [C, M]: drop the unit kernel axes.
        if order.count == 4, shape.count == 2 { dims = Array(dims.prefix(2)) + [1, 1] }
        let reordered = ONNXConstant(dims: dims, values: values, isInteger: false).transposed(order)
        return try Tensor(shape: shape, scalars: reordered.floats)
    }
}

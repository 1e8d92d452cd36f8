/// One tensor of a PyTorch state dict and how it maps to a SepCNN parameter.
struct StateBinding {
    /// PyTorch name, e.g. `features.1.bn.running_mean`.
    var name: String
    /// The parameter it holds, or nil for BatchNorm's `num_batches_tracked` (always 0 here).
    var parameter: Parameter?
    var pytorchShape: [Int]
    /// SepCNN layout → PyTorch layout is `transposed(order)` then reshape to `pytorchShape`.
    var order: [Int]
    /// The shape SepCNN's tensor takes before the transpose (its own shape, or a finer view).
    var viewShape: [Int]

    /// The parameter's value, or `values` of its shape, in PyTorch's layout.
    func toPyTorch(_ values: Tensor? = nil) throws -> Tensor {
        guard let parameter else { return Tensor(uncheckedShape: []) }
        return try (values ?? parameter.value).reshaped(to: viewShape).transposed(order).reshaped(to: pytorchShape)
    }

    func fromPyTorch(_ tensor: Tensor) throws -> Tensor {
        guard let parameter else { return tensor }
        var inverse = [Int](repeating: 0, count: order.count)
        for (i, axis) in order.enumerated() { inverse[axis] = i }
        return try tensor.reshaped(to: order.map { viewShape[$0] }).transposed(inverse).reshaped(to: parameter.shape)
    }
}

/// The model's parameters and buffers as a PyTorch state dict, in `namedParameters()` order.
///
/// Layouts (SepCNN → PyTorch): depthwise `[kh, kw, C, M]` → `[C·M, 1, kh, kw]`; convolution
/// `[kh, kw, Cin/g, Cout]` → `[Cout, Cin/g, kh, kw]`; pointwise `[Cin, Cout]` → `[Cout, Cin, 1, 1]`;
/// dense `[in, out]` → `[out, in]`, its input rows reordered from (h, w, c) to (c, h, w) when it
/// follows a Flatten of a feature map, to match `torch.flatten`. BatchNorm's `runningMean` and
/// `runningVar` become `running_mean` and `running_var`, plus a `num_batches_tracked`. An elementwise
/// layer's constant operand keeps SepCNN's layout.
func stateDictionary(of model: Model) throws -> [StateBinding] {
    // Which dense layers read a flattened [H, W, C] map: their rows need reordering.
    var flattened: [ObjectIdentifier: [Int]] = [:]
    let records = try model.trace()
    for (previous, record) in zip(records, records.dropFirst())
    where record.layer is Dense && previous.layer is Flatten && previous.inputShape.count == 4 {
        flattened[ObjectIdentifier(record.layer)] = Array(previous.inputShape.dropFirst())
    }
    var bindings: [StateBinding] = []
    for (path, layer) in model.network.namedLayers() where !layer.ownParameters.isEmpty {
        let prefix = path.isEmpty ? "" : path + "."
        func plain(_ name: String, _ parameter: Parameter, as pytorchName: String? = nil) {
            bindings.append(StateBinding(name: prefix + (pytorchName ?? name), parameter: parameter, pytorchShape: parameter.shape,
                                         order: Array(0..<parameter.value.rank), viewShape: parameter.shape))
        }
        switch layer {
        case let layer as DepthwiseConv2D:
            let s = layer.weight.shape  // [kh, kw, C, M]
            bindings.append(StateBinding(name: prefix + "weight", parameter: layer.weight, pytorchShape: [s[2] * s[3], 1, s[0], s[1]],
                                         order: [2, 3, 0, 1], viewShape: s))
            if let bias = layer.bias { plain("bias", bias) }
        case let layer as Conv2D:
            let s = layer.weight.shape  // [kh, kw, Cin/g, Cout]
            bindings.append(StateBinding(name: prefix + "weight", parameter: layer.weight, pytorchShape: [s[3], s[2], s[0], s[1]],
                                         order: [3, 2, 0, 1], viewShape: s))
            if let bias = layer.bias { plain("bias", bias) }
        case let layer as PointwiseConv2D:
            let s = layer.weight.shape  // [Cin, Cout]
            bindings.append(StateBinding(name: prefix + "weight", parameter: layer.weight, pytorchShape: [s[1], s[0], 1, 1],
                                         order: [1, 0], viewShape: s))
            if let bias = layer.bias { plain("bias", bias) }
        case let layer as Dense:
            let s = layer.weight.shape  // [in, out]
            if let map = flattened[ObjectIdentifier(layer)] {  // rows in (h, w, c) order
                bindings.append(StateBinding(name: prefix + "weight", parameter: layer.weight, pytorchShape: [s[1], s[0]],
                                             order: [3, 2, 0, 1], viewShape: map + [s[1]]))
            } else {
                bindings.append(StateBinding(name: prefix + "weight", parameter: layer.weight, pytorchShape: [s[1], s[0]],
                                             order: [1, 0], viewShape: s))
            }
            if let bias = layer.bias { plain("bias", bias) }
        case let layer as BatchNorm:
            plain("weight", layer.weight)
            plain("bias", layer.bias)
            plain("runningMean", layer.runningMean, as: "running_mean")
            plain("runningVar", layer.runningVar, as: "running_var")
            bindings.append(StateBinding(name: prefix + "num_batches_tracked", parameter: nil, pytorchShape: [], order: [], viewShape: []))
        case let layer as Elementwise:
            // A graph constant, not a torch parameter: kept in SepCNN's layout.
            if let constant = layer.constant { plain("constant", constant) }
        default:
            throw SepCNNError.invalidArgument("model files do not know the PyTorch layout of \(layer.typeName) at '\(path)'")
        }
    }
    return bindings
}

/// Collects the nodes and initializers of an exported graph in execution order, names them, and
/// inserts the Transposes and Unsqueezes that bring values into the order an operator needs.
struct ONNXGraphBuilder {
    private(set) var nodes: [Onnx_NodeProto] = []
    private(set) var initializers: [Onnx_TensorProto] = []
    /// Value, node and initializer names in use. ONNX keeps node names apart from value names, but
    /// one namespace keeps the file easy to read.
    private var usedNames: UniqueNames
    /// A value already transposed into an order, so each conversion is emitted once.
    private var transposes: [TransposeKey: String] = [:]
    /// Scalar constants shared by every node that needs them (Clip's bounds).
    private var scalars: [UInt32: String] = [:]

    private struct TransposeKey: Hashable {
        let name: String
        let order: [Int]
    }

    init(reservedNames: [String]) {
        usedNames = UniqueNames(reserving: reservedNames)
    }

    /// `base`, or `base_2`, `base_3`, … if it is taken.
    mutating func uniqueName(_ base: String) -> String {
        usedNames.claim(base)
    }

    /// Appends a node named `path/opType` with one output of the same name, and returns that name.
    mutating func addNode(_ opType: String, inputs: [String], path: String,
                          attributes: [Onnx_AttributeProto] = []) -> String {
        let name = uniqueName(path.isEmpty ? opType : "\(path)/\(opType)")
        var node = Onnx_NodeProto()
        node.opType = opType
        node.name = name
        node.input = inputs
        node.output = [name]
        node.attribute = attributes
        nodes.append(node)
        return name
    }

    /// Adds a float32 initializer and returns its (unique) name.
    mutating func addInitializer(_ name: String, dims: [Int], floats: [Float]) -> String {
        let unique = uniqueName(name)
        initializers.append(Onnx_TensorProto(name: unique, dims: dims, floats: floats))
        return unique
    }

    /// Adds an int64 initializer (a shape or a list of axes) and returns its name.
    mutating func addInitializer(_ name: String, dims: [Int], int64s: [Int]) -> String {
        let unique = uniqueName(name)
        initializers.append(Onnx_TensorProto(name: unique, dims: dims, int64s: int64s))
        return unique
    }

    /// Adds an int8 initializer (quantized weights, zero points) and returns its name.
    mutating func addInitializer(_ name: String, dims: [Int], int8s: [Int8]) -> String {
        let unique = uniqueName(name)
        initializers.append(Onnx_TensorProto(name: unique, dims: dims, int8s: int8s))
        return unique
    }

    /// Adds an int32 initializer (quantized biases) and returns its name.
    mutating func addInitializer(_ name: String, dims: [Int], int32s: [Int32]) -> String {
        let unique = uniqueName(name)
        initializers.append(Onnx_TensorProto(name: unique, dims: dims, int32s: int32s))
        return unique
    }

    /// A float32 scalar initializer, shared by all its readers.
    mutating func scalar(_ value: Float) -> String {
        if let name = scalars[value.bitPattern] { return name }
        let name = addInitializer("scalar.\(value)", dims: [], floats: [value])
        scalars[value.bitPattern] = name
        return name
    }

    /// Renames the value `old` to `new` everywhere (the graph output gets a fixed name at the end).
    mutating func rename(_ old: String, to new: String) {
        for index in nodes.indices {
            nodes[index].input = nodes[index].input.map { $0 == old ? new : $0 }
            nodes[index].output = nodes[index].output.map { $0 == old ? new : $0 }
        }
    }

    // MARK: - Axis orders

    /// `value` with its ONNX axes in `order`, through a Transpose unless it already is.
    mutating func value(_ value: ONNXExportedValue, in order: [Int], path: String) -> ONNXExportedValue {
        guard value.order != order else { return value }
        let key = TransposeKey(name: value.name, order: order)
        let name: String
        if let existing = transposes[key] {
            name = existing
        } else {
            // Output axis i of the Transpose is input axis perm[i]: the ONNX axis that holds stored axis order[i].
            let perm = order.map { value.onnxAxis(ofStored: $0) }
            name = addNode("Transpose", inputs: [value.name], path: path, attributes: [.ints("perm", perm)])
            transposes[key] = name
        }
        return ONNXExportedValue(name: name, shape: value.shape, order: order)
    }

    /// `value` in its rank's default order (NCHW for images).
    mutating func inDefaultOrder(_ value: ONNXExportedValue, path: String) -> ONNXExportedValue {
        self.value(value, in: ONNXExportedValue.defaultOrder(rank: value.rank), path: path)
    }

    /// `value` with its elements in SepCNN's storage sequence, for the layers defined on it
    /// (Flatten, Reshape). No Transpose when the sequence is already the same.
    mutating func inStorageSequence(_ value: ONNXExportedValue, path: String) -> ONNXExportedValue {
        let identity = Array(0..<value.rank)
        if value.hasSameElementSequence(value.order, as: identity) { return value }
        return self.value(value, in: identity, path: path)
    }

    /// `value` raised to `rank` by unit axes in front, NumPy's broadcasting alignment, and then
    /// put in `order`. Inserting leading axes moves no data, so it is an Unsqueeze.
    mutating func aligned(_ value: ONNXExportedValue, rank: Int, order: [Int], path: String) -> ONNXExportedValue {
        var result = value
        let missing = rank - value.rank
        if missing > 0 {
            let axes = addInitializer("\(path).axes", dims: [missing], int64s: Array(0..<missing))
            let name = addNode("Unsqueeze", inputs: [value.name, axes], path: path)
            result = ONNXExportedValue(name: name, shape: [Int](repeating: 1, count: missing) + value.shape,
                                       order: Array(0..<missing) + value.order.map { $0 + missing })
        }
        return self.value(result, in: order, path: path)
    }
}

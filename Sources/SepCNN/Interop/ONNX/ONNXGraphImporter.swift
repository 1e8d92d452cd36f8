import Foundation

/// Walks an ONNX graph once, in its (required) topological node order, and builds a
/// `GraphNetwork` in SepCNN's layouts.
///
/// Every ONNX value becomes either a constant (initializers, Constant nodes and the shape
/// computations folded from them) or a runtime value: a value of the network with a known
/// static shape (batch 1). ONNX describes images as NCHW; SepCNN stores every rank-4 runtime value
/// as NHWC, so a runtime value keeps its ONNX ("logical") shape and the operators translate axes.
struct ONNXGraphImporter {
    /// A value the network computes. `id` is its GraphNetwork value; `shape` is its ONNX shape.
    struct RuntimeValue {
        var id: Int
        var shape: [Int]
        /// For the graph input declared NHWC (tf2onnx): stored as declared rather than as NCHW → NHWC.
        var storedAsDeclared = false
        /// Zero padding `[top, bottom, left, right]` of a Pad node still to be applied by the Conv that reads it.
        var pendingPad: [Int]? = nil
        /// Set on an int8 (or uint8) ONNX value: the output of a QuantizeLinear or QLinear operator,
        /// held as the floats it stands for (ONNXQuantizedImport.swift).
        var quantization: ActivationQuantization? = nil

        var rank: Int { shape.count }
        /// The shape as SepCNN stores it.
        var storedShape: [Int] { rank == 4 && !storedAsDeclared ? [shape[0], shape[2], shape[3], shape[1]] : shape }
    }

    enum Value {
        case constant(ONNXConstant)
        case runtime(RuntimeValue)
    }

    let directory: URL?
    let opset: Int
    private(set) var values: [String: Value] = [:]
    private(set) var nodes: [GraphNetwork.Node] = []
    /// How many node inputs and graph outputs read each value name: folding into a producer is
    /// only safe when the producer's output has a single reader.
    private var readers: [String: Int] = [:]
    private var usedNames = UniqueNames()
    /// The ONNX name under which each node's output first appeared (aliases come later).
    var directNames: [Int: String] = [:]
    /// The ONNX node being converted, for messages and names.
    private(set) var current = Onnx_NodeProto()

    init(directory: URL?, opset: Int) {
        self.directory = directory
        self.opset = opset
    }

    // MARK: - The whole graph

    /// The network, its per-image input shape `[H, W, C]`, and the layouts of the graph's input and output.
    mutating func importGraph(_ graph: Onnx_GraphProto) throws -> (network: GraphNetwork, inputShape: [Int], inputLayout: ImageLayout, output: RuntimeValue) {
        try Self.checkOperators(graph)
        for initializer in graph.initializer {
            values[initializer.name] = .constant(try ONNXConstant(initializer, directory: directory))
        }
        for node in graph.node { for name in node.input where !name.isEmpty { readers[name, default: 0] += 1 } }
        for output in graph.output { readers[output.name, default: 0] += 1 }

        let inputs = graph.input.filter { values[$0.name] == nil }
        guard inputs.count == 1 else {
            throw SepCNNError.invalidArgument("the graph has \(inputs.count) inputs (\(inputs.map(\.name).joined(separator: ", "))); SepCNN imports graphs with one image input")
        }
        let declared = try Self.staticShape(inputs[0])
        guard declared.count == 4, declared.allSatisfy({ $0 > 0 }), try checkedElementCount(declared, "the graph input") <= 1 << 28 else {
            throw SepCNNError.invalidArgument("the graph input '\(inputs[0].name)' has shape \(describe(declared)); SepCNN imports image models with a rank-4 input of at most 2²⁸ values")
        }
        // tf2onnx declares NHWC and transposes to NCHW at once: then the input stays as declared and
        // those transposes become free.
        let consumers = graph.node.filter { $0.input.contains(inputs[0].name) }
        let channelsLast = !consumers.isEmpty && consumers.allSatisfy { node in
            node.opType == "Transpose" && node.attribute.first { $0.name == "perm" }?.ints == [0, 3, 1, 2]
        }
        values[inputs[0].name] = .runtime(RuntimeValue(id: 0, shape: declared, storedAsDeclared: channelsLast))
        let inputShape = channelsLast ? Array(declared.dropFirst()) : [declared[2], declared[3], declared[1]]

        for node in graph.node {
            current = node
            let label = node.name.isEmpty ? node.opType : "\(node.opType) node '\(node.name)'"
            do {
                let outputs = try convertKeepingInt8(node)
                guard outputs.count <= node.output.count else {
                    throw SepCNNError.invalidArgument("internal: \(node.opType) produced \(outputs.count) values")
                }
                for (name, value) in zip(node.output, outputs) where !name.isEmpty {
                    values[name] = value
                    if case let .runtime(v) = value, directNames[v.id] == nil { directNames[v.id] = name }
                }
            } catch let error as SepCNNError {
                var error = error
                error.message = "\(label): \(error.message)"
                throw error
            }
        }

        guard let outputName = graph.output.first?.name else { throw SepCNNError.invalidArgument("the graph declares no output") }
        guard case var .runtime(output)? = values[outputName] else {
            throw SepCNNError.invalidArgument(values[outputName] == nil
                ? "the graph output '\(outputName)' is not computed by any node"
                : "the graph output '\(outputName)' is a constant; there is nothing to run")
        }
        guard output.pendingPad == nil, !output.storedAsDeclared || output.id != 0 else {
            throw SepCNNError.invalidArgument("the graph output '\(outputName)' is the input or a pad of it; there is nothing to run")
        }
        output = try integerOutput(output)
        let network = try GraphNetwork(nodes: nodes, output: output.id)
        return (network, inputShape, channelsLast ? .nhwc : .nchw, output)
    }

    /// Operators that move or select values without computing new ones: on an int8 value (the
    /// QOperator format reshapes and max-pools int8 tensors) the result is int8 on the same grid.
    static let gridPreservingOperators: Set<String> = ["Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "MaxPool", "Identity"]

    /// `convert(node)`, passing the quantization of an int8 first input through a grid-preserving operator.
    private mutating func convertKeepingInt8(_ node: Onnx_NodeProto) throws -> [Value] {
        guard Self.gridPreservingOperators.contains(node.opType), let name = node.input.first,
              case .runtime(var x)? = values[name], let quantization = x.quantization else { return try convert(node) }
        x.quantization = nil
        values[name] = .runtime(x)
        defer { x.quantization = quantization; values[name] = .runtime(x) }
        return try convert(node).map { value in
            guard case .runtime(var y) = value else { return value }
            y.quantization = quantization
            return .runtime(y)
        }
    }

    /// Lists every operator the importer does not know, by name, in one error.
    private static func checkOperators(_ graph: Onnx_GraphProto) throws {
        var unknown: [String] = []
        for node in graph.node {
            let name = node.domain.isEmpty || node.domain == "ai.onnx" ? node.opType : "\(node.domain).\(node.opType)"
            let known = (node.domain.isEmpty || node.domain == "ai.onnx") && supportedOperators.contains(node.opType)
            if !known && !unknown.contains(name) { unknown.append(name) }
        }
        guard unknown.isEmpty else { throw SepCNNError.invalidArgument("unsupported ONNX operators: \(unknown.joined(separator: ", "))") }
    }

    static let supportedOperators: Set<String> = [
        "Conv", "BatchNormalization", "Relu", "Clip", "HardSigmoid", "HardSwish", "Sigmoid", "Mul", "Add", "Sub", "Div",
        "GlobalAveragePool", "AveragePool", "MaxPool", "ReduceMean", "Flatten", "Reshape", "Gemm", "MatMul", "Concat", "Pad",
        "Transpose", "Identity", "Dropout", "Constant", "Softmax", "Shape", "Gather", "Unsqueeze", "Squeeze", "Slice", "Cast",
        "ConstantOfShape", "QuantizeLinear", "DequantizeLinear", "QLinearConv", "QLinearMatMul",
    ]

    /// A value's declared shape with a dynamic leading (batch) dimension read as 1.
    private static func staticShape(_ info: Onnx_ValueInfoProto) throws -> [Int] {
        guard case let .tensorType(tensor)? = info.type.value, tensor.hasShape else {
            throw SepCNNError.invalidArgument("the graph input '\(info.name)' declares no tensor shape")
        }
        guard tensor.elemType == Int32(Onnx_TensorProto.DataType.float.rawValue) else {
            throw SepCNNError.invalidArgument("the graph input '\(info.name)' has element type \(tensor.elemType); SepCNN runs float32 models")
        }
        return try tensor.shape.dim.enumerated().map { axis, dim in
            if case let .dimValue(value)? = dim.value, value > 0 {
                guard value <= Int64(Int32.max) else { throw SepCNNError.invalidArgument("the graph input '\(info.name)' has dimension \(value)") }
                return Int(value)
            }
            guard axis == 0 else {
                throw SepCNNError.invalidArgument("the graph input '\(info.name)' has a dynamic dimension at axis \(axis); only the batch may be dynamic")
            }
            return 1
        }
    }

    // MARK: - Reading a node's inputs

    /// Input `index`, or nil if the node omits it (absent or named "").
    func optionalInput(_ index: Int) throws -> Value? {
        guard index < current.input.count, !current.input[index].isEmpty else { return nil }
        let name = current.input[index]
        guard let value = values[name] else {
            throw SepCNNError.invalidArgument("reads '\(name)', which no earlier node, initializer or graph input defines (a missing tensor or a cycle)")
        }
        return value
    }

    func input(_ index: Int) throws -> Value {
        guard let value = try optionalInput(index) else {
            throw SepCNNError.invalidArgument("needs input \(index + 1), but has \(current.input.count) inputs")
        }
        return value
    }

    func constantInput(_ index: Int, _ what: String) throws -> ONNXConstant {
        guard case let .constant(constant) = try input(index) else {
            throw SepCNNError.invalidArgument("\(what) (input \(index + 1)) must be a constant known at load time")
        }
        return constant
    }

    func optionalConstantInput(_ index: Int, _ what: String) throws -> ONNXConstant? {
        guard try optionalInput(index) != nil else { return nil }
        return try constantInput(index, what)
    }

    /// A runtime input, with any pending Pad refused: only Conv takes those.
    func runtimeInput(_ index: Int, allowingPad: Bool = false) throws -> RuntimeValue {
        guard case let .runtime(value) = try input(index) else {
            throw SepCNNError.invalidArgument("input \(index + 1) is a constant; SepCNN imports this operator only on values the network computes")
        }
        guard allowingPad || value.pendingPad == nil else {
            throw SepCNNError.invalidArgument("reads the output of a Pad; SepCNN supports Pad only directly before Conv")
        }
        guard value.quantization == nil || Self.quantizedOperators.contains(current.opType) else {
            throw SepCNNError.invalidArgument("reads '\(current.input[index])', an int8 value, directly; SepCNN imports int8 values "
                + "only into DequantizeLinear, QLinearConv, QLinearMatMul and operators that move values (Reshape, MaxPool, …)")
        }
        guard !value.storedAsDeclared || current.opType == "Transpose" else {
            throw SepCNNError.invalidArgument("internal: the NHWC graph input reached \(current.opType)")
        }
        return value
    }

    func requireInputCount(_ range: ClosedRange<Int>) throws {
        let count = current.input.count
        guard range.contains(count) else {
            let expected = range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound) to \(range.upperBound)"
            throw SepCNNError.invalidArgument("takes \(expected) input\(range.upperBound == 1 ? "" : "s"), got \(count)")
        }
    }

    var attributes: ONNXAttributes { ONNXAttributes(current) }

    /// How many readers the node's input `index` has (graph outputs count as readers).
    func readerCount(ofInput index: Int) -> Int { readers[current.input[index]] ?? 0 }

    // MARK: - Emitting layers

    /// Appends `layer` reading `inputs`, named after the ONNX node (plus `suffix` for helper layers).
    mutating func emit(_ layer: any Layer, inputs: [Int], shape: [Int], suffix: String = "") throws -> RuntimeValue {
        let name = uniqueName(suffix)
        nodes.append(GraphNetwork.Node(name: name, layer: layer, inputs: inputs))
        return RuntimeValue(id: nodes.count, shape: shape)
    }

    /// Whether `name` is the ONNX name the node computing `value` gave it (not an alias of it).
    func isDirectOutput(_ value: RuntimeValue, name: String) -> Bool {
        value.id > 0 && directNames[value.id] == name
    }

    /// The GraphNetwork node that computes `value`, if a node (not the input) does.
    func producer(of value: RuntimeValue) -> (any Layer)? {
        value.id > 0 ? nodes[value.id - 1].layer : nil
    }

    private mutating func uniqueName(_ suffix: String) -> String {
        // Node names become parameter paths: no dots, no leading slashes (torch writes "/features/features.0/Conv").
        var base = current.name.isEmpty ? "\(current.opType)_\(nodes.count)" : current.name
        base = String(base.map { $0 == "." ? "_" : $0 })
        while base.hasPrefix("/") { base.removeFirst() }
        if base.isEmpty { base = "\(current.opType)_\(nodes.count)" }
        base += suffix
        return usedNames.claim(base)
    }

    // MARK: - Layout

    /// Where logical (ONNX) axis `axis` of `value` lives in SepCNN's storage.
    static func storedAxis(_ axis: Int, of value: RuntimeValue) -> Int {
        value.rank == 4 && !value.storedAsDeclared ? [0, 3, 1, 2][axis] : axis
    }

    /// Normalises a possibly negative axis for a rank.
    func axis(_ axis: Int, rank: Int, _ what: String = "axis") throws -> Int {
        guard (-rank..<rank).contains(axis) else { throw SepCNNError.invalidArgument("\(what) \(axis) is outside rank \(rank)") }
        return axis < 0 ? axis + rank : axis
    }

    /// `value` stored in ONNX's own axis order (for reshapes), adding a transpose unless the
    /// order makes no difference (NHWC and NCHW hold the same sequence when H·W = 1 or C = 1).
    mutating func inONNXOrder(_ value: RuntimeValue) throws -> Int {
        guard value.rank == 4, !value.storedAsDeclared, value.shape[2] * value.shape[3] != 1, value.shape[1] != 1 else { return value.id }
        return try emit(Permute(order: [0, 3, 1, 2]), inputs: [value.id], shape: value.shape, suffix: "_toNCHW").id
    }

    /// A value held in ONNX's order as a proper runtime value, transposing a rank-4 result to NHWC.
    mutating func fromONNXOrder(_ id: Int, shape: [Int]) throws -> RuntimeValue {
        guard shape.count == 4, shape[2] * shape[3] != 1, shape[1] != 1 else { return RuntimeValue(id: id, shape: shape) }
        return try emit(Permute(order: [0, 2, 3, 1]), inputs: [id], shape: shape, suffix: "_toNHWC")
    }
}

/// A node's attributes by name, with ONNX's defaults.
struct ONNXAttributes {
    private var map: [String: Onnx_AttributeProto] = [:]

    init(_ node: Onnx_NodeProto) {
        for attribute in node.attribute { map[attribute.name] = attribute }
    }

    func has(_ name: String) -> Bool { map[name] != nil }

    func int(_ name: String, default value: Int) throws -> Int {
        guard let attribute = map[name] else { return value }
        guard attribute.hasI || attribute.type == .int, (-Int64(Int32.max)...Int64(Int32.max)).contains(attribute.i) else {
            throw SepCNNError.invalidArgument("attribute \(name) must be an integer of reasonable size")
        }
        return Int(attribute.i)
    }

    func ints(_ name: String) throws -> [Int]? {
        guard let attribute = map[name] else { return nil }
        // Int64.max and .min are ONNX's "to the end" markers; anything else must be of reasonable size.
        guard attribute.ints.count <= 64,
              attribute.ints.allSatisfy({ $0 == Int64.max || $0 == Int64.min || abs($0) <= Int64(Int32.max) }) else {
            throw SepCNNError.invalidArgument("attribute \(name) holds \(attribute.ints.count) values, some out of range")
        }
        return attribute.ints.map { $0 == Int64.max ? Int.max : $0 == Int64.min ? Int.min : Int($0) }
    }

    func float(_ name: String, default value: Float) -> Float {
        map[name].map(\.f) ?? value
    }

    func string(_ name: String, default value: String) -> String {
        map[name].map { String(decoding: $0.s, as: UTF8.self) } ?? value
    }

    func attribute(_ name: String) -> Onnx_AttributeProto? { map[name] }
}

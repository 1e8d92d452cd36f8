/// Lowering a `GraphNetwork` node by node, so imported graphs get the same folding and fusion as
/// built-in models: a convolution whose only reader is a BatchNorm or an activation is lowered
/// together with it (`conv → BN → ReLU6` is still one kernel call), and the multi-input layers get
/// allocation-free steps of their own.
extension PlanBuilder {
    mutating func lowerGraph(_ graph: GraphNetwork, name: String, input: Int) throws -> Int {
        var planValue = [Int](repeating: -1, count: graph.nodes.count + 1)
        planValue[0] = input
        var readers = [[Int]](repeating: [], count: graph.nodes.count + 1)
        for (index, node) in graph.nodes.enumerated() { for value in node.inputs { readers[value].append(index) } }

        var absorbed = Set<Int>()
        for (index, node) in graph.nodes.enumerated() where !absorbed.contains(index) {
            let inputs = node.inputs.map { planValue[$0] }
            if let layer = node.layer as? any MultiInputLayer {
                planValue[index + 1] = try within(node.name) {
                    try emitMultiInput(layer, label: Self.join(name, node.name), inputs: inputs)
                }
                continue
            }
            if node.layer is Reshape {
                let shape = try within(node.name) { try node.layer.outputShape(for: shapes[inputs[0]]) }
                let output = newValue(shape)
                steps.append(CopyStep(count: shape.reduce(1, *), inputs: inputs, output: output, label: Self.join(name, node.name)))
                planValue[index + 1] = output
                continue
            }
            // The run this node starts: followers that are its output's only reader and a BatchNorm
            // or an activation, which the Sequential lowering folds and fuses.
            var run: [(String, any Layer)] = [(node.name, node.layer)]
            var tail = index
            while tail + 1 != graph.output, readers[tail + 1].count == 1 {
                let next = readers[tail + 1][0]
                let follower = graph.nodes[next].layer
                guard follower is BatchNorm || follower is any ActivationLayer else { break }
                run.append((graph.nodes[next].name, follower))
                absorbed.insert(next)
                tail = next
            }
            planValue[tail + 1] = try lower(Sequential(named: run), name: name, input: inputs[0])
        }
        return planValue[graph.output]
    }

    private mutating func emitMultiInput(_ layer: any MultiInputLayer, label: String, inputs: [Int]) throws -> Int {
        let inputShapes = inputs.map { shapes[$0] }
        let shape = try layer.outputShape(forInputs: inputShapes)
        let output = newValue(shape)
        switch layer {
        case let elementwise as Elementwise:
            if elementwise.constant == nil, elementwise.operation == .add, inputShapes[0] == inputShapes[1] {
                steps.append(AddStep(count: shape.reduce(1, *), inputs: inputs, output: output, label: label))
            } else if elementwise.constant == nil, elementwise.operation == .multiply, shape.count == 4,
                      let gate = inputShapes.firstIndex(of: [shape[0], 1, 1, shape[3]]), inputShapes[1 - gate] == shape {
                // Squeeze-and-excitation: a per-image, per-channel gate scales the feature map.
                steps.append(MultiplyStep(batch: shape[0], pixels: shape[1] * shape[2], channels: shape[3],
                                          inputs: [inputs[1 - gate], inputs[gate]], output: output, label: label))
            } else {
                steps.append(ElementwiseStep(operation: elementwise.operation,
                                             geometry: try elementwise.geometry(forInputs: inputShapes),
                                             constant: elementwise.constant?.value.scalars, constantFirst: elementwise.constantFirst,
                                             inputs: inputs, output: output, label: label))
            }
        case let concatenate as Concatenate:
            steps.append(ConcatenateStep(outer: shape[..<concatenate.axis].reduce(1, *),
                                         runs: inputShapes.map { $0[concatenate.axis...].reduce(1, *) },
                                         inputs: inputs, output: output, label: label))
        default:
            guard inputs.count == 1 else {
                throw SepCNNError.invalidArgument("\(layer.typeName) with \(inputs.count) inputs has no inference step")
            }
            steps.append(LayerStep(layer: layer, inputShape: inputShapes[0], inputs: inputs, output: output, label: label))
        }
        return output
    }
}

/// Broadcast arithmetic on two values, or on one value and a constant.
struct ElementwiseStep: PlanStep {
    let operation: BinaryOperation
    let geometry: BroadcastGeometry
    let constant: [Float]?
    let constantFirst: Bool
    let inputs: [Int]
    let output: Int
    let label: String

    func run(_ context: ExecutionContext) {
        let x = context.read(inputs[0]), y = context.write(output)
        if let constant {
            constant.withUnsafeBufferPointer { c in
                let (a, b) = constantFirst ? (c.baseAddress!, x) : (x, c.baseAddress!)
                broadcastBinary(operation, a, b, output: y, geometry: geometry)
            }
        } else {
            broadcastBinary(operation, x, context.read(inputs[1]), output: y, geometry: geometry)
        }
    }
}

/// Concatenation: for each of `outer` blocks, each input's run of values in turn.
struct ConcatenateStep: PlanStep {
    let outer: Int
    let runs: [Int]
    let inputs: [Int]
    let output: Int
    let label: String

    func run(_ context: ExecutionContext) {
        let y = context.write(output)
        let total = runs.reduce(0, +)
        var start = 0
        for (value, run) in zip(inputs, runs) {
            let x = context.read(value)
            for block in 0..<outer { (y + (block &* total &+ start)).update(from: x + block &* run, count: run) }
            start += run
        }
    }
}

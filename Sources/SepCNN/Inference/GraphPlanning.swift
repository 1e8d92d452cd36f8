/// Lowering a `GraphNetwork` node by node, so imported graphs get the same folding and fusion as
/// built-in models: a node whose output's only reader is a BatchNorm or an activation is lowered
/// in one run with it (`conv → BN → ReLU6` is still one kernel call).
extension PlanBuilder {
    mutating func lowerGraph(_ graph: GraphNetwork, name: String, input: Int) throws -> Int {
        var planValue = [Int](repeating: -1, count: graph.nodes.count + 1)
        planValue[0] = input
        var readers = [[Int]](repeating: [], count: graph.nodes.count + 1)
        for (index, node) in graph.nodes.enumerated() { for value in node.inputs { readers[value].append(index) } }

        var absorbed = Set<Int>()
        for (index, node) in graph.nodes.enumerated() where !absorbed.contains(index) {
            let inputs = node.inputs.map { planValue[$0] }
            // An addition whose only reader is a FakeQuantize: the int8 kernel writes its grid.
            if node.layer is Elementwise, index + 1 != graph.output, readers[index + 1].count == 1,
               let point = graph.nodes[readers[index + 1][0]].layer as? FakeQuantize,
               let sum = try within(node.name, { try int8Addition(node.layer, inputs: inputs, point.quantization, label: Self.join(name, node.name)) }) {
                planValue[index + 1] = sum
                planValue[readers[index + 1][0] + 1] = sum
                absorbed.insert(readers[index + 1][0])
                continue
            }
            if let layer = node.layer as? any MultiInputLayer {
                planValue[index + 1] = try within(node.name) {
                    let label = Self.join(name, node.name)
                    if let lowerable = layer as? any LowerableMultiInputLayer {
                        return try lowerable.lower(into: &self, inputs: inputs, label: label)
                    }
                    guard inputs.count == 1 else {
                        throw SepCNNError.invalidArgument("\(layer.typeName) with \(inputs.count) inputs has no inference step")
                    }
                    return try emitLayerStep(layer, input: inputs[0], label: label)
                }
                continue
            }
            // The run this node starts: followers that are its output's only reader and a BatchNorm
            // or an activation, which the run lowering folds and fuses.
            var run: [(name: String, layer: any Layer)] = [(Self.join(name, node.name), node.layer)]
            // `x · sigmoid(x)` and `x · hardSigmoid(x)`, as exporters write SiLU and HardSwish, join the
            // run as the one activation they are, so the producer's store applies it.
            var tail = index
            while tail + 1 != graph.output {
                if let gated = Self.gatedActivation(of: tail + 1, in: graph, readers: readers) {
                    run.append((Self.join(name, graph.nodes[gated.multiply].name), gated.layer))
                    absorbed.formUnion([gated.gate, gated.multiply])
                    tail = gated.multiply
                    continue
                }
                guard readers[tail + 1].count == 1 else { break }
                let next = readers[tail + 1][0]
                let follower = graph.nodes[next].layer
                guard follower is BatchNorm || follower is any ActivationLayer || follower is FakeQuantize else { break }
                run.append((Self.join(name, graph.nodes[next].name), follower))
                absorbed.insert(next)
                tail = next
            }
            planValue[tail + 1] = try lower(run: run, input: inputs[0])
        }
        return planValue[graph.output]
    }

    /// Value `value`'s readers are exactly a Sigmoid (HardSigmoid) of it and a product of it with that
    /// gate, the gate read by nothing else: the pattern is SiLU (HardSwish) of `value`, which the
    /// product's node computes.
    static func gatedActivation(of value: Int, in graph: GraphNetwork, readers: [[Int]])
        -> (layer: any ActivationLayer, gate: Int, multiply: Int)? {
        guard readers[value].count == 2 else { return nil }
        for gate in readers[value] {
            guard let sigmoid = graph.nodes[gate].layer as? any ActivationLayer, graph.nodes[gate].inputs == [value],
                  sigmoid.activation == .sigmoid || sigmoid.activation == .hardSigmoid,
                  gate + 1 != graph.output, readers[gate + 1].count == 1 else { continue }
            let multiply = readers[gate + 1][0]
            guard readers[value].contains(multiply), let product = graph.nodes[multiply].layer as? Elementwise,
                  product.operation == .multiply, product.constant == nil,
                  Set(graph.nodes[multiply].inputs) == [value, gate + 1] else { continue }
            return (sigmoid.activation == .sigmoid ? SiLU() : HardSwish(), gate, multiply)
        }
        return nil
    }
}

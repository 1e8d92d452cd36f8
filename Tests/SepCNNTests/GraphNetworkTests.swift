import Testing
@testable import SepCNN

@Suite("GraphNetwork and multi-input layers")
struct GraphNetworkTests {
    private func random(_ shape: [Int], seed: UInt64) throws -> Tensor {
        var generator = RandomGenerator(seed: seed)
        return try Tensor.normal(shape, using: &generator)
    }

    @Test("a node may read only earlier values, with unique dot-free names and one input unless multi-input")
    func validation() throws {
        #expect(throws: SepCNNError.self) { try GraphNetwork(nodes: [.init(name: "a", layer: ReLU(), inputs: [1])], output: 1) }
        #expect(throws: SepCNNError.self) {
            try GraphNetwork(nodes: [.init(name: "a", layer: ReLU(), inputs: [0]), .init(name: "a", layer: ReLU(), inputs: [1])], output: 2)
        }
        #expect(throws: SepCNNError.self) { try GraphNetwork(nodes: [.init(name: "a.b", layer: ReLU(), inputs: [0])], output: 1) }
        #expect(throws: SepCNNError.self) { try GraphNetwork(nodes: [.init(name: "a", layer: ReLU(), inputs: [0, 0])], output: 1) }
        #expect(throws: SepCNNError.self) { try GraphNetwork(nodes: [.init(name: "a", layer: ReLU(), inputs: [0])], output: 2) }
    }

    @Test("a residual block written as a graph computes what Residual computes, directly and through a plan")
    func residualAsGraph() throws {
        let (conv, bn) = try Random.withSeed(5) { (try DepthwiseConv2D(channels: 4, kernelSize: 3, padding: .same), try BatchNorm(channels: 4)) }
        try bn.runningMean.assign(Tensor(shape: [4], scalars: [0.1, -0.2, 0.3, 0]))
        try bn.runningVar.assign(Tensor(shape: [4], scalars: [0.5, 2, 1, 1.5]))
        let act = ReLU6()
        let residual = Residual(Sequential(named: [("conv", conv), ("bn", bn), ("act", act)]))
        let graph = try GraphNetwork(nodes: [
            .init(name: "conv", layer: conv, inputs: [0]), .init(name: "bn", layer: bn, inputs: [1]),
            .init(name: "act", layer: act, inputs: [2]), .init(name: "add", layer: Elementwise(.add), inputs: [3, 0]),
        ], output: 4)
        let x = try random([2, 5, 5, 4], seed: 1)
        let expected = try residual(x)
        #expect(isClose(try graph(x), expected))
        let plan = try InferencePlan(graph, inputShape: x.shape)
        #expect(isClose(try plan(x), expected, rtol: 1e-5, atol: 1e-5))
        // conv, BN and activation became one step; the sum another.
        #expect(plan.stepDescriptions == ["conv + bn + act", "add"])
        #expect(graph.namedParameters().map(\.name).contains("bn.runningMean"))
    }

    @Test("Elementwise broadcasts like NumPy for every operation, with the constant on either side",
          arguments: BinaryOperation.allCases)
    func broadcasting(_ operation: BinaryOperation) throws {
        let pairs: [([Int], [Int])] = [([2, 3, 4, 5], [2, 3, 4, 5]), ([2, 3, 4, 5], [5]), ([2, 3, 4, 5], [2, 1, 1, 5]),
                                       ([2, 3, 4, 5], []), ([3, 1, 5], [4, 1]), ([1, 5], [3, 1])]
        for (index, (shapeA, shapeB)) in pairs.enumerated() {
            let a = try random(shapeA, seed: UInt64(10 + index))
            var b = try random(shapeB, seed: UInt64(50 + index))
            if operation == .divide { b = try Tensor(shape: b.shape, scalars: b.scalars.map { $0 + ($0 >= 0 ? 1 : -1) }) }
            let expected = try naiveBroadcast(operation, a, b)
            #expect(try Elementwise(operation)([a, b]) == expected)
            #expect(try Elementwise(operation, constant: b)(a) == expected)
            #expect(try Elementwise(operation, constant: a, constantFirst: true)(b) == expected)
        }
        #expect(throws: SepCNNError.self) { try Elementwise(operation)([Tensor.zeros([2, 3]), Tensor.zeros([2, 4])]) }
    }

    /// Index by index, straight from the broadcasting rule.
    private func naiveBroadcast(_ operation: BinaryOperation, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        let rank = max(a.rank, b.rank)
        let sa = [Int](repeating: 1, count: rank - a.rank) + a.shape, sb = [Int](repeating: 1, count: rank - b.rank) + b.shape
        let shape = zip(sa, sb).map { max($0, $1) }
        let count = shape.reduce(1, *)
        func offset(_ index: [Int], _ dims: [Int]) -> Int {
            zip(index, dims).reduce(0) { $0 * $1.1 + ($1.1 == 1 ? 0 : $1.0) }
        }
        var result: [Float] = []
        for flat in 0..<count {
            var index = [Int](repeating: 0, count: rank), rest = flat
            for axis in stride(from: rank - 1, through: 0, by: -1) { index[axis] = rest % shape[axis]; rest /= shape[axis] }
            let (x, y) = (a.scalars[offset(index, sa)], b.scalars[offset(index, sb)])
            switch operation {
            case .add: result.append(x + y)
            case .subtract: result.append(x - y)
            case .multiply: result.append(x * y)
            case .divide: result.append(x / y)
            }
        }
        return try Tensor(shape: shape, scalars: result)
    }

    @Test("Concatenate joins along the channel axis and along an inner axis")
    func concatenate() throws {
        let a = try Tensor(shape: [1, 2, 1, 2], scalars: [1, 2, 3, 4])
        let b = try Tensor(shape: [1, 2, 1, 1], scalars: [9, 8])
        #expect(try Concatenate(axis: 3)([a, b]).scalars == [1, 2, 9, 3, 4, 8])
        #expect(try Concatenate(axis: 1)([a, a]).shape == [1, 4, 1, 2])
        #expect(try Concatenate(axis: 1)([a, a]).scalars == [1, 2, 3, 4, 1, 2, 3, 4])
        #expect(throws: SepCNNError.self) { try Concatenate(axis: 3)([a, Tensor.zeros([1, 3, 1, 1])]) }
    }

    @Test("a plan of a graph with constants, concatenation, reshapes and permutes matches the forward pass")
    func planMatchesForward() throws {
        let conv = try Random.withSeed(9) { try Conv2D(inputChannels: 3, outputChannels: 4, kernelSize: 3, padding: .explicit(1)) }
        let scale = Elementwise(.multiply, constant: try random([4], seed: 2))
        let shift = Elementwise(.subtract, constant: try random([1, 1, 1, 4], seed: 3), constantFirst: true)
        let graph = try GraphNetwork(nodes: [
            .init(name: "conv", layer: conv, inputs: [0]),
            .init(name: "scale", layer: scale, inputs: [1]),
            .init(name: "shift", layer: shift, inputs: [0 + 1]),
            .init(name: "clamp", layer: try Clamp(minimum: -1, maximum: 2), inputs: [3]),
            .init(name: "cat", layer: try Concatenate(axis: 3), inputs: [2, 4, 0]),
            .init(name: "toNCHW", layer: try Permute(order: [0, 3, 1, 2]), inputs: [5]),
            .init(name: "flat", layer: try Reshape([11 * 6 * 6]), inputs: [6]),
        ], output: 7)
        let x = try random([2, 6, 6, 3], seed: 4)
        let expected = try graph(x)
        #expect(expected.shape == [2, 11 * 6 * 6])
        #expect(isClose(try InferencePlan(graph, inputShape: x.shape)(x), expected))
    }
}

import Testing
@testable import SepCNN

/// Lowering-time patterns of imported graphs (exporters write SiLU as `x · Sigmoid(x)` and HardSwish
/// as `x · HardSigmoid(x)`), and the threaded elementwise and pooling steps they leave.
@Suite("Graph fusion and threaded elementwise steps")
struct GraphFusionTests {
    private func random(_ shape: [Int], seed: UInt64) throws -> Tensor {
        var generator = RandomGenerator(seed: seed)
        return try Tensor.normal(shape, using: &generator)
    }

    /// conv → gate(conv) → conv · gate → depthwise → gate → product → pool: the exporter's spelling.
    private func gatedGraph(_ gate: () -> any Layer, productFirst: Bool, extraReader: Bool = false) throws -> GraphNetwork {
        let (conv, depthwise) = try Random.withSeed(3) {
            (try Conv2D(inputChannels: 3, outputChannels: 24, kernelSize: 3, padding: .same),
             try DepthwiseConv2D(channels: 24, kernelSize: 3, padding: .same))
        }
        var nodes: [GraphNetwork.Node] = [
            .init(name: "conv", layer: conv, inputs: [0]),
            .init(name: "gate", layer: gate(), inputs: [1]),
            .init(name: "mul", layer: Elementwise(.multiply), inputs: productFirst ? [1, 2] : [2, 1]),
            .init(name: "dw", layer: depthwise, inputs: [3]),
            .init(name: "dw_gate", layer: gate(), inputs: [4]),
            .init(name: "dw_mul", layer: Elementwise(.multiply), inputs: [4, 5]),
        ]
        if extraReader {  // the conv's output read a third time: no longer the pattern
            nodes.append(.init(name: "extra", layer: Elementwise(.add), inputs: [6, 1]))
        }
        return try GraphNetwork(nodes: nodes, output: nodes.count)
    }

    @Test("x · Sigmoid(x) and x · HardSigmoid(x) fuse into the producer's store, in either operand order",
          arguments: [true, false])
    func gatedActivationsFuse(_ productFirst: Bool) throws {
        let x = try random([2, 9, 7, 3], seed: 11)
        for (gate, fused) in [({ Sigmoid() as any Layer }, "SiLU"), ({ HardSigmoid() as any Layer }, "HardSwish")] {
            let graph = try gatedGraph(gate, productFirst: productFirst)
            let expected = try graph(x)
            for threads in [1, 2, 3] {
                let plan = try InferencePlan(graph, inputShape: x.shape, pool: ThreadPool(threads: threads))
                #expect(isClose(try plan(x), expected, rtol: 1e-5, atol: 1e-5), "\(fused), \(threads) threads")
                #expect(plan.stepDescriptions == ["conv + mul", "dw + dw_mul"], "\(fused)")
            }
        }
    }

    @Test("a gate whose input has another reader is left as the graph wrote it")
    func sharedInputIsNotFused() throws {
        let x = try random([1, 6, 6, 3], seed: 12)
        let graph = try gatedGraph({ Sigmoid() }, productFirst: true, extraReader: true)
        let plan = try InferencePlan(graph, inputShape: x.shape)
        #expect(isClose(try plan(x), try graph(x), rtol: 1e-5, atol: 1e-5))
        #expect(plan.stepDescriptions.contains("gate") && plan.stepDescriptions.contains("mul"))
        #expect(plan.stepDescriptions.contains("dw + dw_mul"))
    }

    @Test("threaded activation, addition, channel gate and global mean equal one thread exactly",
          arguments: [[1, 64, 64, 48], [2, 33, 17, 40], [1, 3, 5, 7]])
    func threadedStepsMatchOneThread(_ shape: [Int]) throws {
        let x = try random(shape, seed: 21), y = try random(shape, seed: 22)
        let gate = try random([shape[0], 1, 1, shape[3]], seed: 23)
        let graph = try GraphNetwork(nodes: [
            .init(name: "act", layer: SiLU(), inputs: [0]),
            .init(name: "add", layer: Elementwise(.add, constant: y), inputs: [1]),
            .init(name: "sum", layer: Elementwise(.add), inputs: [2, 0]),
            .init(name: "scale", layer: Elementwise(.multiply, constant: gate), inputs: [3]),
            .init(name: "pool", layer: GlobalAvgPool(keepDims: true), inputs: [4]),
            .init(name: "hs", layer: HardSwish(), inputs: [5]),
            .init(name: "regate", layer: Elementwise(.multiply), inputs: [4, 6]),
        ], output: 7)
        let one = try InferencePlan(graph, inputShape: shape, pool: ThreadPool(threads: 1))(x)
        #expect(isClose(one, try graph(x), rtol: 1e-5, atol: 1e-5))
        for threads in [2, 3] {
            #expect(try InferencePlan(graph, inputShape: shape, pool: ThreadPool(threads: threads))(x) == one, "\(threads) threads")
        }
    }

    @Test("every activation in place equals the same activation into another buffer", arguments: Activation.allCases)
    func inPlaceActivation(_ activation: Activation) throws {
        let x = try random([1037], seed: 31).scalars.map { $0 * 6 }
        var separate = [Float](repeating: 0, count: x.count), inPlace = x
        x.withUnsafeBufferPointer { input in
            separate.withUnsafeMutableBufferPointer { applyActivation(activation, input.baseAddress!, $0.baseAddress!, count: x.count) }
        }
        inPlace.withUnsafeMutableBufferPointer { applyActivation(activation, UnsafePointer($0.baseAddress!), $0.baseAddress!, count: x.count) }
        #expect(inPlace == separate)
        #expect(zip(separate, x).allSatisfy { abs($0 - activation($1)) <= 1e-5 * max(1, abs($0)) })
    }
}

import Testing
@testable import SepCNN

/// The contract of `GraphNetwork`'s and multi-input layers' pullbacks beyond the numbers: branches
/// that do not reach the output, errors that name the node, layers without a backward pass.
@Suite struct GraphPullbackBehaviourTests {
    static func batch(_ shape: [Int], seed: UInt64) -> Tensor { PullbackBehaviourTests.batch(shape, seed: seed) }

    static func node(_ name: String, _ layer: any Layer, _ inputs: [Int]) -> GraphNetwork.Node {
        GraphNetwork.Node(name: name, layer: layer, inputs: inputs)
    }

    @Test func nodesTheOutputDoesNotReadGetNoGradient() throws {
        let (used, unused) = try Random.withSeed(1) {
            (try PointwiseConv2D(inputChannels: 2, outputChannels: 3), try PointwiseConv2D(inputChannels: 2, outputChannels: 3))
        }
        let graph = try GraphNetwork(nodes: [Self.node("side", unused, [0]), Self.node("main", used, [0])], output: 2)
        let (output, pullback) = try graph.forwardWithPullback(Self.batch([2, 2, 2, 2], seed: 2), training: true)
        _ = try pullback(Self.batch(output.shape, seed: 3))
        #expect(used.weight.gradient != nil && used.bias!.gradient != nil)
        #expect(unused.weight.gradient == nil && unused.bias!.gradient == nil)
    }

    @Test func theInputGradientSumsOverEveryReader() throws {
        // y = x + x + x·x: ∂y/∂x = 2 + 2x, through one Add reading x twice and one Multiply reading it twice.
        let graph = try GraphNetwork(nodes: [Self.node("double", Elementwise(.add), [0, 0]),
                                             Self.node("square", Elementwise(.multiply), [0, 0]),
                                             Self.node("sum", Elementwise(.add), [1, 2])], output: 3)
        let x = Self.batch([1, 2, 2, 3], seed: 4)
        let (_, pullback) = try graph.forwardWithPullback(x, training: false)
        let gradInput = try pullback(Tensor(shape: x.shape, repeating: 1))
        #expect(isClose(gradInput, try Tensor(shape: x.shape, scalars: x.scalars.map { 2 + 2 * $0 }), rtol: 1e-6, atol: 1e-6))
    }

    @Test func aWrongOutputGradientThrowsNamingTheShapes() throws {
        let graph = try GraphNetwork(nodes: [Self.node("act", ReLU(), [0])], output: 1)
        let (_, pullback) = try graph.forwardWithPullback(Self.batch([2, 3], seed: 5), training: false)
        #expect { try pullback(Self.batch([2, 4], seed: 6)) } throws: { error in
            (error as? SepCNNError)?.kind == .shapeMismatch && "\(error)".contains("[2, 4]") && "\(error)".contains("[2, 3]")
        }
    }

    @Test func elementwiseChecksItsOutputGradient() throws {
        let (_, pullback) = try Elementwise(.multiply).forwardWithPullback([Self.batch([2, 3], seed: 7), Self.batch([1, 3], seed: 8)], training: false)
        #expect { try pullback(Self.batch([1, 3], seed: 9)) } throws: { error in
            (error as? SepCNNError)?.kind == .shapeMismatch && "\(error)".contains("Multiply")
        }
    }

    /// A multi-input layer written elsewhere without a backward pass.
    final class Maximum: MultiInputLayer {
        func outputShape(forInputs inputShapes: [[Int]]) throws -> [Int] { inputShapes[0] }
        func forward(_ inputs: [Tensor], training: Bool) throws -> Tensor { inputs[0] }
    }

    @Test func multiInputLayersWithoutBackwardRefuseToTrainNamingTheNode() throws {
        let graph = try GraphNetwork(nodes: [Self.node("act", ReLU(), [0]), Self.node("widest", Maximum(), [0, 1])], output: 2)
        #expect { try graph.forwardWithPullback(Self.batch([1, 2], seed: 10), training: true) } throws: { error in
            (error as? SepCNNError)?.layerPath == "widest" && "\(error)".contains("Maximum does not support training (no backward pass)")
        }
    }

    @Test func theSingleInputPullbackOfAConstantOperandLayerReturnsItsOneGradient() throws {
        // 2 − x, through `Layer.forwardWithPullback` (as a Sequential would call it): ∂/∂x = −1.
        let layer: any Layer = Elementwise(.subtract, constant: try Tensor(shape: [1], scalars: [2]), constantFirst: true)
        let x = Self.batch([2, 3], seed: 11)
        let (output, pullback) = try layer.forwardWithPullback(x, training: false)
        #expect(isClose(output, try Tensor(shape: x.shape, scalars: x.scalars.map { 2 - $0 })))
        #expect(try pullback(Tensor(shape: x.shape, repeating: 1)) == Tensor(shape: x.shape, repeating: -1))
    }
}

import Testing
@testable import SepCNN

/// A layer run on its own (`forward`) and the same layer compiled into an inference plan create
/// the same operator for the same shape, so they run the same kernel and give bit-identical
/// outputs. Before operators, max pooling ran the fast kernel in layers and the reference in plans,
/// and a 1×1 `Conv2D` became a GEMM only in plans.
@Suite struct LayerPlanAgreementTests {
    static func randomShape(_ r: inout RandomGenerator, channels: ClosedRange<Int>) -> [Int] {
        func pick(_ range: ClosedRange<Int>) -> Int { Int(r.next() % UInt64(range.count)) + range.lowerBound }
        return [pick(1...2), pick(1...23), pick(1...23), pick(channels)]
    }

    @Test func maxPoolingWithPaddingAgrees() throws {
        var r = RandomGenerator(seed: 41)
        for trial in 0..<40 {
            let shape = Self.randomShape(&r, channels: 1...40)
            let size = 2 + trial % 2, stride = 1 + (trial / 2) % 2
            let padding: Padding = trial % 3 == 0 ? .same : .explicit(top: 1, bottom: trial % 2, left: 1, right: 1)
            guard let layer = try? MaxPool2D(poolSize: Size2D(size), stride: Size2D(stride), padding: padding),
                  (try? layer.outputShape(for: shape)) != nil else { continue }
            let input = try Tensor.normal(shape, using: &r)
            let plan = try InferencePlan(layer, inputShape: shape)
            #expect(try plan(input) == layer(input), "\(shape), pool \(size), stride \(stride), \(padding)")
        }
    }

    @Test(arguments: [1, 2])
    func pointwiseConv2DAgrees(stride: Int) throws {
        var r = RandomGenerator(seed: 42 + UInt64(stride))
        let activations: [Activation] = [.linear, .relu6, .hardSwish]
        for trial in 0..<30 {
            let shape = Self.randomShape(&r, channels: 1...70)
            let outputs = 1 + Int(r.next() % 80)
            let padding: Padding = trial % 4 == 3 ? .explicit(top: 1, bottom: 0, left: 0, right: 1) : .valid
            let layer = try Conv2D(inputChannels: shape[3], outputChannels: outputs, kernelSize: 1, stride: Size2D(stride),
                                   padding: padding, bias: trial % 2 == 0, activation: activations[trial % activations.count])
            let input = try Tensor.normal(shape, using: &r)
            let plan = try InferencePlan(layer, inputShape: shape)
            #expect(try plan(input) == layer(input), "\(shape) → \(outputs), stride \(stride), \(padding)")
            let g = try layer.geometry(for: shape)
            let isGEMM = plan.steps.contains { $0 is GEMMStep }
            #expect(isGEMM == (stride == 1 && padding == .valid), "\(g) lowered \(isGEMM ? "" : "not ")to a GEMM")
        }
    }

    @Test func clampLowersToItsOperator() throws {
        var r = RandomGenerator(seed: 44)
        let network = Sequential(named: [
            ("conv", try Conv2D(inputChannels: 3, outputChannels: 8, kernelSize: 3, padding: .same)),
            ("clip", try Clamp(minimum: -1, maximum: 2, scale: 0.5, offset: 0.1)),
        ])
        let input = try Tensor.normal([2, 9, 11, 3], using: &r)
        let plan = try InferencePlan(network, inputShape: input.shape)
        #expect(plan.steps.contains { $0 is OperatorStep<ClampOperator> })
        #expect(!plan.steps.contains { $0 is LayerStep })
        #expect(try plan(input) == network(input))
    }
}

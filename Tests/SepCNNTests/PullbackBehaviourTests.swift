import Testing
@testable import SepCNN

/// The contract of `forwardWithPullback` and `Model.valueWithPullback` beyond the numbers:
/// accumulation, zeroing, shape checks, dropout's captured mask, layers without a backward pass.
@Suite struct PullbackBehaviourTests {
    static func fashionModel() throws -> Model {
        try Random.withSeed(21) { try ModelZoo.make("fashion-sepcnn") }
    }

    static func batch(_ shape: [Int], seed: UInt64) -> Tensor {
        var r = RandomGenerator(seed: seed)
        return try! Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in r.normal() })
    }

    @Test func callingThePullbackTwiceAccumulatesAndZeroGradientsClears() throws {
        let model = try Self.fashionModel()
        let (logits, pullback) = try model.valueWithPullback(Self.batch([2, 28, 28, 1], seed: 1), training: true)
        let upstream = Self.batch(logits.shape, seed: 2)
        _ = try pullback(upstream)
        let once = model.namedParameters().compactMap { $0.parameter.gradient }
        #expect(once.count == model.namedParameters().filter { $0.parameter.isTrainable }.count)
        _ = try pullback(upstream)
        let twice = model.namedParameters().compactMap { $0.parameter.gradient }
        for (a, b) in zip(once, twice) {
            let doubled = try Tensor(shape: a.shape, scalars: a.scalars.map { 2 * $0 })
            #expect(isClose(b, doubled, rtol: 1e-6, atol: 1e-7))
        }
        model.zeroGradients()
        #expect(model.namedParameters().allSatisfy { $0.parameter.gradient == nil })
    }

    @Test func runningStatisticsNeverGetGradients() throws {
        let model = try Self.fashionModel()
        let (logits, pullback) = try model.valueWithPullback(Self.batch([2, 28, 28, 1], seed: 3), training: true)
        _ = try pullback(Self.batch(logits.shape, seed: 4))
        for (name, parameter) in model.namedParameters() where name.contains("running") {
            #expect(parameter.gradient == nil, "\(name)")
        }
    }

    @Test func wrongShapesThrowNamingTheLayer() throws {
        let model = try Self.fashionModel()
        #expect(throws: SepCNNError.self) { try model.valueWithPullback(Self.batch([2, 28, 28, 3], seed: 5), training: true) }
        let (_, pullback) = try model.valueWithPullback(Self.batch([2, 28, 28, 1], seed: 5), training: false)
        #expect { try pullback(Self.batch([2, 11], seed: 6)) } throws: { error in
            let e = error as? SepCNNError
            return e?.kind == .shapeMismatch && e?.layerPath == "classifier" && "\(error)".contains("[2, 11]")
        }
    }

    @Test func dropoutGradientUsesTheForwardMask() throws {
        let dropout = try Random.withSeed(8) { try Dropout(rate: 0.25) }
        let input = try Tensor(shape: [4, 50], repeating: 1)
        let (output, pullback) = try dropout.forwardWithPullback(input, training: true)
        let upstream = Self.batch(output.shape, seed: 9)
        let gradInput = try pullback(upstream)
        let dropped = output.scalars.filter { $0 == 0 }.count
        #expect(dropped > 20 && dropped < 80, "about a quarter of 200 dropped, got \(dropped)")
        for i in 0..<input.count {
            // Kept elements are scaled by 1 / (1 − rate), in the output and in the gradient alike.
            #expect(gradInput.scalars[i] == upstream.scalars[i] * output.scalars[i])
        }
        // Inference mode: the identity both ways.
        let (same, identity) = try dropout.forwardWithPullback(input, training: false)
        #expect(same == input)
        #expect(try identity(upstream) == upstream)
    }

    @Test func frozenBatchNormFineTuningLeavesStatisticsAlone() throws {
        let bn = try BatchNorm(channels: 3)
        let before = (bn.runningMean.value, bn.runningVar.value)
        let (output, pullback) = try bn.forwardWithPullback(Self.batch([2, 2, 2, 3], seed: 10), training: false)
        _ = try pullback(Self.batch(output.shape, seed: 11))
        #expect(bn.runningMean.value == before.0 && bn.runningVar.value == before.1)
        #expect(bn.weight.gradient != nil && bn.bias.gradient != nil)
    }

    #if os(Linux)
    /// glibc is detected through the header (a missing `features.h` once made this silently false).
    @Test func freedMemoryIsKeptOnGlibc() {
        #expect(MemoryReuse.keepFreedMemory())
    }
    #endif

    /// A layer written elsewhere without a backward pass still compiles and says why it cannot train.
    final class Identity: Layer {
        func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }
        func forward(_ input: Tensor, training: Bool) throws -> Tensor { input }
    }

    @Test func layersWithoutBackwardRefuseToTrain() throws {
        let network = Sequential(named: [("odd", Identity())])
        #expect { try network.forwardWithPullback(Self.batch([1, 2], seed: 12), training: true) } throws: { error in
            (error as? SepCNNError)?.layerPath == "odd" && "\(error)".contains("Identity does not support training (no backward pass)")
        }
    }
}

import Testing
@testable import SepCNN

/// Behaviour that has no PyTorch fixture: composition, randomness, bookkeeping.
@Suite struct LayerBehaviourTests {
    @Test func residualAddsTheInput() throws {
        var r = RandomGenerator(seed: 2)
        let x = try Tensor.normal([2, 4, 4, 6], using: &r)
        let conv = try PointwiseConv2D(inputChannels: 6, outputChannels: 6)
        let block = Residual(Sequential(named: [("conv", conv)]))
        let expected = try conv(x).scalars.enumerated().map { $0.element + x.scalars[$0.offset] }
        #expect(try block(x).scalars == expected)
        #expect(block.namedParameters().map(\.name) == ["conv.weight", "conv.bias"])
        // An explicit shortcut branch (a projection) is added instead of the input.
        let projected = Residual(Sequential(named: [("conv", try PointwiseConv2D(inputChannels: 6, outputChannels: 3))]),
                                 shortcut: try PointwiseConv2D(inputChannels: 6, outputChannels: 3))
        #expect(try projected(x).shape == [2, 4, 4, 3])
        #expect(projected.namedParameters().map(\.name).contains("shortcut.weight"))
    }

    @Test func squeezeExcitationScalesEachChannel() throws {
        var r = RandomGenerator(seed: 3)
        let x = try Tensor.normal([2, 3, 3, 4], using: &r)
        let se = ChannelMultiply(gate: Sequential(named: [
            ("pool", GlobalAvgPool(keepDims: true)),
            ("reduce", try PointwiseConv2D(inputChannels: 4, outputChannels: 2)),
            ("relu", ReLU()),
            ("expand", try PointwiseConv2D(inputChannels: 2, outputChannels: 4)),
            ("gate", HardSigmoid()),
        ]))
        let factors = try se.gate(x)
        let y = try se(x)
        for n in 0..<2 { for i in 0..<3 { for j in 0..<3 { for c in 0..<4 {
            #expect(y[n, i, j, c] == x[n, i, j, c] * factors[n, 0, 0, c])
        } } } }
        #expect(se.namedParameters().map(\.name) == ["reduce.weight", "reduce.bias", "expand.weight", "expand.bias"])
        var records: [LayerRecord] = []
        _ = try se.trace(name: "se", inputShape: [1, 3, 3, 4], into: &records)
        #expect(records.map(\.name).last == "se.multiply")
    }

    @Test func dropoutIsIdentityInInferenceAndInvertedInTraining() throws {
        let dropout = try Dropout(rate: 0.25)
        let x = try Tensor.ones([100_000])
        #expect(try dropout(x) == x)
        let y = try dropout(x, training: true).scalars
        let zeros = y.filter { $0 == 0 }.count
        // Binomial(100000, 0.25): standard deviation ≈ 137, so ±1000 is over seven of them.
        #expect(abs(zeros - 25_000) < 1000)
        #expect(y.allSatisfy { $0 == 0 || abs($0 - 4 / 3) < 1e-6 })
    }

    @Test func flattenKeepsNHWCOrder() throws {
        let x = try Tensor(shape: [1, 2, 2, 2], scalars: [1, 2, 3, 4, 5, 6, 7, 8])
        let y = try Flatten()(x)
        #expect(y.shape == [1, 8] && y.scalars == x.scalars)
    }

    @Test func batchNormUsesBatchStatisticsOnlyInTraining() throws {
        var r = RandomGenerator(seed: 8)
        let x = try Tensor.normal([4, 3, 3, 2], mean: 5, standardDeviation: 2, using: &r)
        let bn = try BatchNorm(channels: 2)
        let trained = try bn(x, training: true)
        // Normalised with batch statistics: each channel has mean ≈ 0.
        for c in 0..<2 {
            let values = stride(from: c, to: trained.count, by: 2).map { trained.scalars[$0] }
            #expect(abs(values.reduce(0, +) / Float(values.count)) < 1e-4)
        }
        // The running mean moved 10 % of the way from 0 towards the batch mean (≈ 5).
        #expect(bn.runningMean.value.scalars.allSatisfy { $0 > 0.3 && $0 < 0.7 })
        let before = bn.runningMean.value
        _ = try bn(x)
        #expect(bn.runningMean.value == before)
    }

    @Test func separableEqualsDepthwiseThenPointwise() throws {
        var r = RandomGenerator(seed: 6)
        let x = try Tensor.normal([2, 7, 7, 3], using: &r)
        let separable = try SeparableConv2D(inputChannels: 3, outputChannels: 5, kernelSize: 3, stride: 2, padding: .same,
                                            depthMultiplier: 2, activation: .relu)
        let expected = try ReLU()(separable.pointwise(separable.depthwise(x)))
        #expect(try separable(x) == expected)
        #expect(separable.namedParameters().map(\.name) == ["depthwise.weight", "pointwise.weight", "pointwise.bias"])
    }

    @Test func groupedConvWithGroupsEqualChannelsIsDepthwise() throws {
        var r = RandomGenerator(seed: 7)
        let x = try Tensor.normal([1, 6, 6, 4], using: &r)
        let grouped = try Conv2D(inputChannels: 4, outputChannels: 8, kernelSize: 3, padding: .explicit(1), groups: 4)
        let depthwise = try DepthwiseConv2D(channels: 4, kernelSize: 3, padding: .explicit(1), depthMultiplier: 2)
        try depthwise.weight.assign(grouped.weight.value.reshaped(to: [3, 3, 4, 2]))
        try depthwise.bias!.assign(grouped.bias!.value)
        #expect(try grouped(x) == depthwise(x))
    }

    @Test func emptyBatchGivesEmptyOutput() throws {
        let model = try ModelZoo.make("sepcnn-example")
        #expect(try model(Tensor.zeros([0, 32, 32, 3])).shape == [0, 10])
    }
}

import Testing
@testable import SepCNN

/// The compiled plan (BatchNorm folded, activations fused, buffers shared) computes what the
/// layer-by-layer model computes. Tolerance |plan − model| ≤ 1e-4 · (1 + |model|): folding
/// reorders float32 arithmetic (w·s summed instead of the sum scaled).
@Suite struct InferencePlanTests {
    /// Gives every BatchNorm non-trivial statistics, as a trained network has, so folding is exercised.
    static func randomiseBatchNorms(_ model: Model, seed: UInt64) throws {
        var r = RandomGenerator(seed: seed)
        for (_, layer) in model.network.namedLayers() {
            guard let bn = layer as? BatchNorm else { continue }
            let c = bn.channels
            try bn.weight.assign(Tensor.uniform([c], low: 0.5, high: 1.5, using: &r))
            try bn.bias.assign(Tensor.normal([c], standardDeviation: 0.3, using: &r))
            try bn.runningMean.assign(Tensor.normal([c], standardDeviation: 0.3, using: &r))
            try bn.runningVar.assign(Tensor.uniform([c], low: 0.5, high: 2, using: &r))
        }
    }

    static func agree(_ a: Tensor, _ b: Tensor) -> Bool {
        a.shape == b.shape && zip(a.scalars, b.scalars).allSatisfy { abs($0 - $1) <= 1e-4 * (1 + abs($1)) }
    }

    @Test(arguments: ModelZoo.names)
    func planMatchesModel(_ name: String) throws {
        let small = name.hasPrefix("mobilenet") ? ModelOptions(widthMultiplier: 0.25, resolution: 32, classes: 7) : ModelOptions()
        let model = try Random.withSeed(3) { try ModelZoo.make(name, options: small) }
        try Self.randomiseBatchNorms(model, seed: 4)
        var r = RandomGenerator(seed: 5)
        let input = try Tensor.normal([2] + model.inputShape, using: &r)
        let plan = try InferencePlan(model, batch: 2)
        #expect(Self.agree(try plan(input), try model(input)))
        // Running twice reuses the arena and gives the same answer.
        #expect(try plan(input) == (try plan(input)))
    }

    @Test func batchNormAndActivationAreFusedIntoTheConvolution() throws {
        let model = try ModelZoo.make("mobilenet-v2", options: ModelOptions(widthMultiplier: 0.25, resolution: 32))
        let plan = try InferencePlan(model)
        #expect(plan.stepDescriptions.first == "features.0.conv + features.0.bn + features.0.act")
        #expect(plan.stepDescriptions.contains("features.3.project.conv + features.3.project.bn"))
        #expect(!plan.steps.contains { $0 is ScaleShiftStep || $0 is ActivationStep })
        #expect(!plan.steps.contains { $0 is LayerStep })
    }

    @Test func buffersAreReused() throws {
        let model = try ModelZoo.make("mobilenet-v2", options: ModelOptions(widthMultiplier: 0.25, resolution: 64))
        let plan = try InferencePlan(model)
        let everyValue = try model.trace().reduce(0) { $0 + $1.outputShape.reduce(1, *) } * 4
        #expect(plan.arenaBytes * 4 < everyValue, "arena \(plan.arenaBytes) B vs \(everyValue) B of outputs")
    }

    @Test func unfoldableBatchNormStaysCorrect() throws {
        // Keras order: the convolution's own ReLU comes before BatchNorm, so BN cannot be folded.
        let model = try ModelZoo.make("sepcnn-example-keras")
        try Self.randomiseBatchNorms(model, seed: 6)
        let plan = try InferencePlan(model)
        #expect(plan.steps.contains { $0 is ScaleShiftStep })
        var r = RandomGenerator(seed: 7)
        let input = try Tensor.normal([1, 32, 32, 3], using: &r)
        #expect(Self.agree(try plan(input), try model(input)))
    }

    @Test func separableAndGatedLayersLowerCorrectly() throws {
        let network = Sequential(named: [
            ("sep", try SeparableConv2D(inputChannels: 3, outputChannels: 8, kernelSize: 3, padding: .same, activation: .hardSwish)),
            ("se", ChannelMultiply(gate: Sequential(named: [
                ("pool", GlobalAvgPool(keepDims: true)),
                ("reduce", try PointwiseConv2D(inputChannels: 8, outputChannels: 4, activation: .relu)),
                ("expand", try PointwiseConv2D(inputChannels: 4, outputChannels: 8)),
                ("gate", HardSigmoid()),
            ]))),
            ("block", Residual(Sequential(named: [("conv", try Conv2D(inputChannels: 8, outputChannels: 8, kernelSize: 3, padding: .same, groups: 2))]))),
            ("pool", try AvgPool2D(poolSize: 2)),
            ("max", try MaxPool2D(poolSize: 3, stride: 1, padding: .explicit(1))),
            ("flatten", Flatten()),
            ("fc", try Dense(inputFeatures: 3 * 3 * 8, outputFeatures: 5)),
            ("drop", try Dropout(rate: 0.5)),
            ("softmax", Softmax()),
        ])
        var r = RandomGenerator(seed: 8)
        let input = try Tensor.normal([2, 7, 7, 3], using: &r)
        let plan = try InferencePlan(network, inputShape: [2, 7, 7, 3])
        #expect(Self.agree(try plan(input), try network(input)))
        #expect(throws: SepCNNError.self) { try plan(Tensor.zeros([1, 7, 7, 3])) }
    }
}

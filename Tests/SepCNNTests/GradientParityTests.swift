import Testing
@testable import SepCNN

/// Every layer's pullback against PyTorch autograd on the cases of `Fixtures/gradients.json`
/// (made by `Scripts/make_gradient_fixtures.py`): same input, weights and upstream gradient, so
/// input and parameter gradients must agree.
///
/// Tolerance: rtol = atol = 1e-4 for single layers. The gradients are sums of at most a few
/// hundred float32 products (batch norm: sums over all pixels), accumulated in a different order
/// than PyTorch's, so they differ by a few ulps of the sums' magnitudes (~1e-6 · 100).
@Suite struct GradientParityTests {
    static let cases: [FixtureCase] = (try? Fixtures.load("gradients.json")) ?? []
    static func cases(_ op: String) -> [FixtureCase] { cases.filter { $0.op == op } }

    @Test func fixturesArePresent() {
        for op in ["depthwise", "conv2d", "pointwise", "dense", "batchnorm", "activation", "softmax", "maxpool",
                   "avgpool", "globalavgpool", "model-fashion-sepcnn"] {
            #expect(!Self.cases(op).isEmpty, "no gradient fixture cases for \(op)")
        }
    }

    /// Runs the layer's pullback on the case's upstream gradient (after clearing gradients) and
    /// checks the output, the input gradient and each `(parameter, fixture key)` gradient.
    static func check(_ layer: any Layer, _ c: FixtureCase, training: Bool = false,
                      parameters: [(Parameter, String)] = [], tolerance: Float = 1e-4) throws {
        for (_, p) in layer.namedParameters() { p.gradient = nil }
        let (output, pullback) = try layer.forwardWithPullback(c.tensor("input"), training: training)
        #expect(isClose(output, try c.tensor("output"), rtol: tolerance, atol: tolerance), "output")
        let gradInput = try pullback(c.tensor("gradOutput"))
        #expect(isClose(gradInput, try c.tensor("gradInput"), rtol: tolerance, atol: tolerance), "gradInput")
        for (parameter, key) in parameters {
            let gradient = try #require(parameter.gradient, "no gradient for \(key)")
            #expect(isClose(gradient, try c.tensor(key), rtol: tolerance, atol: tolerance), "\(key)")
        }
    }

    @Test(arguments: cases("depthwise"))
    func depthwise(_ c: FixtureCase) throws {
        let layer = try DepthwiseConv2D(
            channels: c.tensor("input").shape[3], kernelSize: c.size("kernel"), stride: c.size("stride"),
            padding: c.padding, dilation: c.size("dilation"), depthMultiplier: c.int("multiplier"), bias: c.bool("bias"))
        try layer.weight.assign(c.tensor("weight"))
        var parameters = [(layer.weight, "gradWeight")]
        if let bias = layer.bias {
            try bias.assign(c.tensor("bias"))
            parameters.append((bias, "gradBias"))
        }
        try Self.check(layer, c, parameters: parameters)
    }

    @Test(arguments: cases("conv2d"))
    func conv2D(_ c: FixtureCase) throws {
        let layer = try Conv2D(
            inputChannels: c.int("inputChannels"), outputChannels: c.int("outputChannels"), kernelSize: c.size("kernel"),
            stride: c.size("stride"), padding: c.padding, dilation: c.size("dilation"), groups: c.int("groups"), bias: c.bool("bias"))
        try layer.weight.assign(c.tensor("weight"))
        var parameters = [(layer.weight, "gradWeight")]
        if let bias = layer.bias {
            try bias.assign(c.tensor("bias"))
            parameters.append((bias, "gradBias"))
        }
        try Self.check(layer, c, parameters: parameters)
    }

    @Test(arguments: cases("pointwise"))
    func pointwise(_ c: FixtureCase) throws {
        let layer = try PointwiseConv2D(inputChannels: c.int("inputChannels"), outputChannels: c.int("outputChannels"))
        try layer.weight.assign(c.tensor("weight"))
        try layer.bias!.assign(c.tensor("bias"))
        try Self.check(layer, c, parameters: [(layer.weight, "gradWeight"), (layer.bias!, "gradBias")])
    }

    @Test(arguments: cases("dense"))
    func dense(_ c: FixtureCase) throws {
        let layer = try Dense(inputFeatures: c.int("inputFeatures"), outputFeatures: c.int("outputFeatures"))
        try layer.weight.assign(c.tensor("weight"))
        try layer.bias!.assign(c.tensor("bias"))
        try Self.check(layer, c, parameters: [(layer.weight, "gradWeight"), (layer.bias!, "gradBias")])
    }

    @Test(arguments: cases("batchnorm"))
    func batchNorm(_ c: FixtureCase) throws {
        let layer = try BatchNorm(channels: c.int("channels"), epsilon: c.float("epsilon"), momentum: c.float("momentum"))
        try layer.weight.assign(c.tensor("weight"))
        try layer.bias.assign(c.tensor("bias"))
        try layer.runningMean.assign(c.tensor("runningMean"))
        try layer.runningVar.assign(c.tensor("runningVar"))
        try Self.check(layer, c, training: c.bool("training"), parameters: [(layer.weight, "gradWeight"), (layer.bias, "gradBias")])
        #expect(layer.runningMean.gradient == nil && layer.runningVar.gradient == nil, "running statistics are frozen")
    }

    @Test(arguments: cases("activation"))
    func activation(_ c: FixtureCase) throws {
        let layers: [String: any Layer] = ["relu": ReLU(), "relu6": ReLU6(), "hardswish": HardSwish(),
                                           "hardsigmoid": HardSigmoid(), "sigmoid": Sigmoid(), "silu": SiLU()]
        try Self.check(try #require(layers[c.string("function")]), c)
    }

    @Test(arguments: cases("softmax"))
    func softmax(_ c: FixtureCase) throws {
        try Self.check(Softmax(), c)
    }

    @Test(arguments: cases("maxpool"))
    func maxPool(_ c: FixtureCase) throws {
        try Self.check(try MaxPool2D(poolSize: c.size("kernel"), stride: c.size("stride"), padding: c.padding), c)
    }

    @Test(arguments: cases("avgpool"))
    func avgPool(_ c: FixtureCase) throws {
        let layer = try AvgPool2D(poolSize: c.size("kernel"), stride: c.size("stride"), padding: c.padding,
                                  countIncludesPadding: c.bool("countIncludePad"))
        try Self.check(layer, c)
    }

    @Test(arguments: cases("globalavgpool"))
    func globalAvgPool(_ c: FixtureCase) throws {
        try Self.check(GlobalAvgPool(), c)
    }

    /// The whole fashion-sepcnn in training mode on a batch of 2, given the cross-entropy loss's
    /// gradient with respect to the logits: every parameter's gradient matches PyTorch's.
    /// Tolerance rtol = 1e-3, atol = 1e-4: through three batch norms over few values per channel
    /// (2 × 7 × 7 in the last block), rounding differences are amplified by 1/σ at each.
    @Test func fashionSepCNNMatchesPyTorch() throws {
        let c = try #require(Self.cases("model-fashion-sepcnn").first)
        let model = try ModelZoo.make("fashion-sepcnn")
        let parameters = model.namedParameters()
        for (name, parameter) in parameters { try parameter.assign(c.tensor(name)) }
        let (logits, pullback) = try model.valueWithPullback(c.tensor("input"), training: true)
        #expect(isClose(logits, try c.tensor("output"), rtol: 1e-3, atol: 1e-4), "logits")
        _ = try pullback(c.tensor("gradOutput"))
        for (name, parameter) in parameters where parameter.isTrainable {
            let gradient = try #require(parameter.gradient, "no gradient for \(name)")
            #expect(isClose(gradient, try c.tensor("grad.\(name)"), rtol: 1e-3, atol: 1e-4), "\(name)")
        }
        #expect(parameters.filter { $0.parameter.isTrainable }.count == c.tensors.keys.filter { $0.hasPrefix("grad.") }.count)
    }
}

import Testing
@testable import SepCNN

/// Every layer's forward pass against PyTorch on the committed fixture cases.
/// Tolerance: rtol = atol = 1e-5 (torch.testing's float32 spirit); the sums involved are at most a
/// few hundred terms, so float32 rounding stays well inside it.
@Suite struct LayerParityTests {
    @Test func fixturesArePresent() throws {
        #expect(Fixtures.layerCases.count >= 40, "Tests/SepCNNTests/Fixtures/layers.json is missing or unreadable")
        for op in ["depthwise", "conv2d", "pointwise", "separable", "dense", "batchnorm", "activation",
                   "softmax", "maxpool", "avgpool", "globalavgpool"] {
            #expect(!Fixtures.cases(op).isEmpty, "no fixture cases for \(op)")
        }
    }

    @Test(arguments: Fixtures.cases("depthwise"))
    func depthwise(_ c: FixtureCase) throws {
        let layer = try DepthwiseConv2D(
            channels: c.tensor("input").shape[3], kernelSize: c.size("kernel"), stride: c.size("stride"),
            padding: c.padding, dilation: c.size("dilation"), depthMultiplier: c.int("multiplier"), bias: c.bool("bias"))
        try layer.weight.assign(c.tensor("weight"))
        if let bias = layer.bias { try bias.assign(c.tensor("bias")) }
        #expect(isClose(try layer(c.tensor("input")), try c.tensor("output")))
    }

    @Test(arguments: Fixtures.cases("conv2d"))
    func conv2D(_ c: FixtureCase) throws {
        let layer = try Conv2D(
            inputChannels: c.int("inputChannels"), outputChannels: c.int("outputChannels"), kernelSize: c.size("kernel"),
            stride: c.size("stride"), padding: c.padding, dilation: c.size("dilation"), groups: c.int("groups"), bias: c.bool("bias"))
        try layer.weight.assign(c.tensor("weight"))
        if let bias = layer.bias { try bias.assign(c.tensor("bias")) }
        #expect(isClose(try layer(c.tensor("input")), try c.tensor("output")))
    }

    @Test(arguments: Fixtures.cases("pointwise"))
    func pointwise(_ c: FixtureCase) throws {
        let layer = try PointwiseConv2D(inputChannels: c.int("inputChannels"), outputChannels: c.int("outputChannels"), bias: c.bool("bias"))
        try layer.weight.assign(c.tensor("weight"))
        if let bias = layer.bias { try bias.assign(c.tensor("bias")) }
        #expect(isClose(try layer(c.tensor("input")), try c.tensor("output")))
    }

    @Test(arguments: Fixtures.cases("separable"))
    func separable(_ c: FixtureCase) throws {
        let layer = try SeparableConv2D(
            inputChannels: c.tensor("input").shape[3], outputChannels: c.int("outputChannels"), kernelSize: c.size("kernel"),
            stride: c.size("stride"), padding: c.padding, dilation: c.size("dilation"), depthMultiplier: c.int("multiplier"))
        try layer.depthwise.weight.assign(c.tensor("depthwiseWeight"))
        try layer.pointwise.weight.assign(c.tensor("pointwiseWeight"))
        try layer.pointwise.bias!.assign(c.tensor("bias"))
        #expect(isClose(try layer(c.tensor("input")), try c.tensor("output")))
    }

    @Test(arguments: Fixtures.cases("dense"))
    func dense(_ c: FixtureCase) throws {
        let layer = try Dense(inputFeatures: c.int("inputFeatures"), outputFeatures: c.int("outputFeatures"))
        try layer.weight.assign(c.tensor("weight"))
        try layer.bias!.assign(c.tensor("bias"))
        #expect(isClose(try layer(c.tensor("input")), try c.tensor("output")))
    }

    @Test(arguments: Fixtures.cases("batchnorm"))
    func batchNorm(_ c: FixtureCase) throws {
        let layer = try BatchNorm(channels: c.int("channels"), epsilon: c.float("epsilon"), momentum: c.float("momentum"))
        try layer.weight.assign(c.tensor("weight"))
        try layer.bias.assign(c.tensor("bias"))
        try layer.runningMean.assign(c.tensor("runningMean"))
        try layer.runningVar.assign(c.tensor("runningVar"))
        let training = c.bool("training")
        #expect(isClose(try layer(c.tensor("input"), training: training), try c.tensor("output")))
        if training {
            #expect(isClose(layer.runningMean.value, try c.tensor("newRunningMean")))
            #expect(isClose(layer.runningVar.value, try c.tensor("newRunningVar")))
        } else {
            #expect(layer.runningMean.value == (try c.tensor("runningMean")), "inference must not touch running statistics")
        }
    }

    @Test(arguments: Fixtures.cases("activation"))
    func activation(_ c: FixtureCase) throws {
        let layers: [String: any Layer] = ["relu": ReLU(), "relu6": ReLU6(), "hardswish": HardSwish(),
                                           "hardsigmoid": HardSigmoid(), "sigmoid": Sigmoid(), "silu": SiLU()]
        let layer = try #require(layers[c.string("function")])
        #expect(isClose(try layer(c.tensor("input")), try c.tensor("output")))
    }

    @Test(arguments: Fixtures.cases("softmax"))
    func softmax(_ c: FixtureCase) throws {
        #expect(isClose(try Softmax()(c.tensor("input")), try c.tensor("output")))
    }

    @Test(arguments: Fixtures.cases("maxpool"))
    func maxPool(_ c: FixtureCase) throws {
        let layer = try MaxPool2D(poolSize: c.size("kernel"), stride: c.size("stride"), padding: c.padding)
        #expect(isClose(try layer(c.tensor("input")), try c.tensor("output")))
    }

    @Test(arguments: Fixtures.cases("avgpool"))
    func avgPool(_ c: FixtureCase) throws {
        let layer = try AvgPool2D(poolSize: c.size("kernel"), stride: c.size("stride"), padding: c.padding,
                                  countIncludesPadding: c.bool("countIncludePad"))
        #expect(isClose(try layer(c.tensor("input")), try c.tensor("output")))
    }

    @Test(arguments: Fixtures.cases("globalavgpool"))
    func globalAvgPool(_ c: FixtureCase) throws {
        let input = try c.tensor("input")
        #expect(isClose(try GlobalAvgPool()(input), try c.tensor("output")))
        let kept = try GlobalAvgPool(keepDims: true)(input)
        #expect(kept.shape == [input.shape[0], 1, 1, input.shape[3]])
        #expect(kept.scalars == (try GlobalAvgPool()(input)).scalars)
    }

    /// The built-in `sepcnn-example` (at resolution 16, to keep the fixture small) with PyTorch's
    /// weights gives PyTorch's logits. Tolerance rtol = atol = 1e-4: the dense layer sums 4,096
    /// float32 products, whose rounding differs with summation order.
    @Test func exampleModelMatchesPyTorch() throws {
        let c = try #require(try Fixtures.load("model-sepcnn-example.json").first)
        let model = try ModelZoo.make("sepcnn-example", options: ModelOptions(resolution: c.int("resolution")))
        let parameters = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, $0.parameter) })
        for (name, parameter) in parameters {
            try parameter.assign(c.tensor(name))
        }
        #expect(Set(parameters.keys) == Set(c.tensors.keys).subtracting(["input", "output"]))
        #expect(isClose(try model(c.tensor("input")), try c.tensor("output"), rtol: 1e-4, atol: 1e-4))
    }
}

import Testing
@testable import SepCNN

/// Parameter and MAC counts of the built-in models against the figures PyTorch, Keras and the
/// papers report. Counts need no forward pass, so the full 224×224 models are cheap here.
@Suite struct ModelZooTests {
    struct Expected: Sendable, CustomStringConvertible {
        let name: String
        var options = ModelOptions()
        let trainable: Int
        let nonTrainable: Int
        var description: String { "\(name) \(options)" }
    }

    static let published: [Expected] = [
        // PyTorch's count for the source documents' SepCNN; BatchNorm's 128 running statistics as Keras counts them.
        Expected(name: "sepcnn-example", trainable: 164_264, nonTrainable: 128),
        // Keras: 164,392 total = 164,264 trainable + 128 non-trainable.
        Expected(name: "sepcnn-example-keras", trainable: 164_264, nonTrainable: 128),
        // The task's specification: 13,204 and 94,410 trainable; running statistics 2 · (32 + 64 + 128).
        Expected(name: "fashion-sepcnn", trainable: 13_204, nonTrainable: 448),
        Expected(name: "fashion-sepcnn-standard", trainable: 94_410, nonTrainable: 448),
        // Keras 3.15 applications.MobileNet(alpha=…, weights=None): trainable_weights and non_trainable_weights.
        Expected(name: "mobilenet-v1", trainable: 4_231_976, nonTrainable: 21_888),
        Expected(name: "mobilenet-v1", options: ModelOptions(widthMultiplier: 0.25), trainable: 470_072, nonTrainable: 5_472),
        Expected(name: "mobilenet-v1", options: ModelOptions(widthMultiplier: 0.5), trainable: 1_331_592, nonTrainable: 10_944),
        Expected(name: "mobilenet-v1", options: ModelOptions(widthMultiplier: 0.75), trainable: 2_585_560, nonTrainable: 16_416),
        Expected(name: "mobilenet-v1", options: ModelOptions(widthMultiplier: 0.5, resolution: 128, classes: 10),
                 trainable: 823_722, nonTrainable: 10_944),
        // torchvision mobilenet_v2(width_mult=…): parameters() and BatchNorm buffers.
        Expected(name: "mobilenet-v2", trainable: 3_504_872, nonTrainable: 34_112),
        Expected(name: "mobilenet-v2", options: ModelOptions(widthMultiplier: 0.35), trainable: 1_677_128, nonTrainable: 14_080),
        Expected(name: "mobilenet-v2", options: ModelOptions(widthMultiplier: 0.5), trainable: 1_968_680, nonTrainable: 18_544),
        Expected(name: "mobilenet-v2", options: ModelOptions(widthMultiplier: 0.75), trainable: 2_636_424, nonTrainable: 26_640),
        Expected(name: "mobilenet-v2", options: ModelOptions(widthMultiplier: 1.4), trainable: 6_108_776, nonTrainable: 47_936),
        Expected(name: "mobilenet-v2", options: ModelOptions(widthMultiplier: 0.5, classes: 10), trainable: 700_490, nonTrainable: 18_544),
    ]

    @Test(arguments: published)
    func parameterCountsMatchPublishedFigures(_ expected: Expected) throws {
        let summary = try ModelSummary(ModelZoo.make(expected.name, options: expected.options))
        #expect(summary.trainableParameters == expected.trainable)
        #expect(summary.nonTrainableParameters == expected.nonTrainable)
        #expect(summary.totalParameters == expected.trainable + expected.nonTrainable)
    }

    @Test func exampleKerasMACs() throws {
        // Keras-style count: depthwise 27,648 + pointwise 196,608 + dense 163,840.
        #expect(try ModelSummary(ModelZoo.make("sepcnn-example-keras")).macs == 388_096)
    }

    @Test func mobileNetMACsMatchThePapers() throws {
        // MobileNetV1 paper, Table 2: 569 million mult-adds; MobileNetV2 paper, Table 4: 300 million.
        let v1 = try ModelSummary(ModelZoo.make("mobilenet-v1")).macs
        let v2 = try ModelSummary(ModelZoo.make("mobilenet-v2")).macs
        #expect(abs(Double(v1) - 569e6) / 569e6 < 0.005, "mobilenet-v1 MACs \(v1)")
        #expect(abs(Double(v2) - 300e6) / 300e6 < 0.005, "mobilenet-v2 MACs \(v2)")
    }

    @Test(arguments: ModelZoo.names)
    func everyModelBuildsAndSummarises(_ name: String) throws {
        let model = try ModelZoo.make(name)
        let summary = try ModelSummary(model)
        // Every parameter appears in exactly one row.
        #expect(summary.layers.reduce(0) { $0 + $1.parameters } == summary.totalParameters)
        #expect(summary.layers.reduce(0) { $0 + $1.trainableParameters } == summary.trainableParameters)
        let names = model.namedParameters().map(\.name)
        #expect(Set(names).count == names.count, "parameter names must be unique")
    }

    @Test(arguments: ["sepcnn-example", "sepcnn-example-keras", "fashion-sepcnn", "mobilenet-v1", "mobilenet-v2"])
    func standardTwinKeepsShapesAndCostsMore(_ name: String) throws {
        let separable = try ModelZoo.make(name), standard = try ModelZoo.make(name + "-standard")
        #expect(try separable.network.outputShape(for: [1] + separable.inputShape)
            == standard.network.outputShape(for: [1] + standard.inputShape))
        let s = try ModelSummary(separable), t = try ModelSummary(standard)
        #expect(s.trainableParameters < t.trainableParameters)
        #expect(s.macs < t.macs)
        #expect(!t.layers.contains { $0.type == "DepthwiseConv2D" })
    }

    @Test func parameterNamesAreHierarchicalAndStable() throws {
        let v2 = Set(try ModelZoo.make("mobilenet-v2").namedParameters().map(\.name))
        for name in ["features.0.conv.weight", "features.1.depthwise.conv.weight", "features.3.expand.conv.weight",
                     "features.3.depthwise.bn.runningMean", "features.3.project.bn.runningVar", "features.18.conv.weight",
                     "classifier.weight", "classifier.bias"] {
            #expect(v2.contains(name), "missing \(name)")
        }
        let example = try ModelZoo.make("sepcnn-example").namedParameters().map(\.name)
        #expect(example == ["depthwise.weight", "depthwise.bias", "pointwise.weight", "pointwise.bias",
                            "bn.weight", "bn.bias", "bn.runningMean", "bn.runningVar", "fc.weight", "fc.bias"])
    }

    @Test func fashionSepCNNNamesAndShapes() throws {
        let model = try ModelZoo.make("fashion-sepcnn")
        #expect(model.inputShape == [28, 28, 1])
        let names = model.namedParameters().map(\.name)
        #expect(names.prefix(4) == ["block1.depthwise.weight", "block1.depthwise.bias", "block1.pointwise.weight", "block1.pointwise.bias"])
        #expect(names.suffix(2) == ["classifier.weight", "classifier.bias"])
        #expect(try model.network.outputShape(for: [2, 28, 28, 1]) == [2, 10])
        let standard = try ModelZoo.make("fashion-sepcnn-standard").namedParameters().map(\.name)
        #expect(standard.prefix(2) == ["block1.conv.weight", "block1.conv.bias"])
    }

    /// α scales fashion-sepcnn's three widths as Keras's MobileNet scales its filters (int(c · α)),
    /// so a uniformly thinner twin has the closed-form counts of its widths and reloads from its file.
    @Test(arguments: [("fashion-sepcnn", 0.69), ("fashion-sepcnn-standard", 0.5), ("fashion-sepcnn", 1.5)])
    func fashionWidthMultiplierScalesEveryBlock(_ name: String, _ alpha: Double) throws {
        let model = try Random.withSeed(6) { try ModelZoo.make(name, options: ModelOptions(widthMultiplier: alpha)) }
        let widths = [32, 64, 128].map { Int(Double($0) * alpha) }
        let separable = !name.hasSuffix("-standard")
        var trainable = 0, macs = 0, inputs = 1, side = 28
        for (index, w) in widths.enumerated() {
            if separable {
                trainable += inputs * 9 + inputs + inputs * w + w
                macs += side * side * inputs * 9 + side * side * inputs * w
            } else {
                trainable += 9 * inputs * w + w
                macs += side * side * 9 * inputs * w
            }
            trainable += 2 * w  // BatchNorm γ, β
            if index > 0 { side /= 2 }
            inputs = w
        }
        trainable += widths[2] * 10 + 10
        macs += widths[2] * 10
        let summary = try ModelSummary(model)
        #expect(summary.trainableParameters == trainable)
        #expect(summary.nonTrainableParameters == 2 * widths.reduce(0, +))
        #expect(summary.macs == macs)
        #expect(model.options.widthMultiplier == alpha)
        try ModelDescriptionTests.expectRoundTrip(model, input: try ModelDescriptionTests.input(for: model))
    }

    @Test func mobileNetV2HasResidualsWhereShapesAllow() throws {
        let summary = try ModelSummary(ModelZoo.make("mobilenet-v2"))
        // Blocks 3, 5, 6, 8, 9, 10, 12, 13, 15, 16: repeats with stride 1 and unchanged channels.
        let adds = summary.layers.filter { $0.type == "Add" }.map(\.name)
        #expect(adds == [3, 5, 6, 8, 9, 10, 12, 13, 15, 16].map { "features.\($0).add" })
    }

    @Test func smallModelsRunForward() throws {
        var generator = RandomGenerator(seed: 3)
        for name in ["mobilenet-v1", "mobilenet-v2", "mobilenet-v2-standard"] {
            let model = try ModelZoo.make(name, options: ModelOptions(widthMultiplier: 0.25, resolution: 32, classes: 5))
            let output = try model(Tensor.normal([2, 32, 32, 3], using: &generator))
            #expect(output.shape == [2, 5])
            #expect(output.scalars.allSatisfy { $0.isFinite })
        }
        let keras = try ModelZoo.make("sepcnn-example-keras")
        let probabilities = try keras(Tensor.normal([3, 32, 32, 3], using: &generator))
        for row in 0..<3 {
            #expect(abs(probabilities.scalars[row * 10..<(row + 1) * 10].reduce(0, +) - 1) < 1e-5)
        }
    }

    @Test func seedMakesBuildsReproducible() throws {
        // Other tests draw from the global generator concurrently; withSeed is isolated from them.
        func build(_ seed: UInt64) throws -> [Tensor] {
            try Random.withSeed(seed) { try ModelZoo.make("sepcnn-example").namedParameters().map(\.parameter.value) }
        }
        #expect(try build(11) == build(11))
        #expect(try build(11) != build(12))
    }

    @Test func badModelRequestsAreRefusedWithAMessage() {
        #expect { try ModelZoo.make("mobilenet-v9") } throws: { error in
            "\(error)".contains("unknown model 'mobilenet-v9'") && "\(error)".contains("mobilenet-v2-standard")
        }
        #expect(throws: SepCNNError.self) { try ModelZoo.make("sepcnn-example", options: ModelOptions(widthMultiplier: 0.5)) }
        #expect(throws: SepCNNError.self) { try ModelZoo.make("mobilenet-v2", options: ModelOptions(widthMultiplier: 0)) }
        #expect(throws: SepCNNError.self) { try ModelZoo.make("mobilenet-v2", options: ModelOptions(widthMultiplier: .nan)) }
        #expect(throws: SepCNNError.self) { try ModelZoo.make("mobilenet-v2", options: ModelOptions(resolution: 8)) }
        #expect(throws: SepCNNError.self) { try ModelZoo.make("sepcnn-example", options: ModelOptions(resolution: 31)) }
        #expect(throws: SepCNNError.self) { try ModelZoo.make("mobilenet-v1", options: ModelOptions(classes: 0)) }
    }

    /// The smallest resolution each model admits, rounded up to its resolution step, builds.
    @Test(arguments: ModelZoo.names)
    func theMinimumResolutionBuilds(_ name: String) throws {
        let side = ModelZoo.minimumResolution(of: name)
        let width: Double? = name.hasPrefix("mobilenet") ? 0.25 : nil
        #expect(throws: Never.self) { try ModelZoo.make(name, options: ModelOptions(widthMultiplier: width, resolution: side, classes: 3)) }
    }
}

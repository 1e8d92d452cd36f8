import Foundation
import Testing
@testable import SepCNN

/// Every kind of model — built in, built by hand, imported — saves as data and loads back the same.
@Suite struct ModelDescriptionTests {
    /// A network using every layer type and container SepCNN has outside graphs.
    static func handBuiltModel() throws -> Model {
        let gate = Sequential(named: [
            ("pool", GlobalAvgPool(keepDims: true)),
            ("reduce", try PointwiseConv2D(inputChannels: 8, outputChannels: 4, activation: .relu)),
            ("expand", try PointwiseConv2D(inputChannels: 4, outputChannels: 8)),
            ("gate", HardSigmoid()),
        ])
        let network = Sequential(named: [
            ("stem", try Conv2D(inputChannels: 3, outputChannels: 8, kernelSize: 3, stride: 2, padding: .explicit(1), activation: .relu6)),
            ("block", Residual(Sequential(named: [
                ("separable", try SeparableConv2D(inputChannels: 8, outputChannels: 8, kernelSize: 3, padding: .same, bias: false)),
                ("bn", try BatchNorm(channels: 8, epsilon: 1e-3, momentum: 0.01)),
                ("act", HardSwish()),
                ("se", ChannelMultiply(gate: gate)),
            ]))),
            ("down", Residual(
                Sequential(named: [
                    ("dw", try DepthwiseConv2D(channels: 8, kernelSize: Size2D(3, 5), stride: 2,
                                               padding: .explicit(top: 1, bottom: 1, left: 2, right: 2), depthMultiplier: 2)),
                    ("silu", SiLU()),
                ]),
                shortcut: try Conv2D(inputChannels: 8, outputChannels: 16, kernelSize: 1, stride: 2, groups: 2, bias: false))),
            ("clamp", try Clamp(minimum: -1, scale: 0.5, offset: 0.1)),
            ("maxpool", try MaxPool2D(poolSize: 2, stride: 1)),
            ("avgpool", try AvgPool2D(poolSize: 2, stride: 1, padding: .explicit(1), countIncludesPadding: true)),
            ("scale", Elementwise(.multiply, constant: try .zeros([16]))),
            ("offset", Elementwise(.subtract, constant: try .zeros([1, 1, 1, 16]), constantFirst: true)),
            ("sigmoid", Sigmoid()),
            ("relu", ReLU()),
            ("flatten", Flatten()),
            ("dropout", try Dropout(rate: 0.2)),
            ("fc", try Dense(inputFeatures: 256, outputFeatures: 10)),
            ("softmax", Softmax()),
        ])
        return Model(name: "hand-built", inputShape: [16, 16, 3], network: network)
    }

    /// A graph with fan-out, a two-input sum, a concatenation and layout changes.
    static func handBuiltGraph() throws -> Model {
        typealias Node = GraphNetwork.Node
        let network = try GraphNetwork(nodes: [
            Node(name: "conv", layer: try Conv2D(inputChannels: 3, outputChannels: 4, kernelSize: 3, padding: .same), inputs: [0]),
            Node(name: "dw", layer: try DepthwiseConv2D(channels: 4, kernelSize: 3, padding: .same), inputs: [1]),
            Node(name: "sum", layer: Elementwise(.add), inputs: [1, 2]),
            Node(name: "cat", layer: try Concatenate(axis: 3), inputs: [2, 3]),
            Node(name: "nchw", layer: try Permute(order: [0, 3, 1, 2]), inputs: [4]),
            Node(name: "flat", layer: try Reshape([8 * 6 * 6]), inputs: [5]),
            Node(name: "fc", layer: try Dense(inputFeatures: 288, outputFeatures: 5), inputs: [6]),
        ], output: 7)
        return Model(name: "hand-built-graph", inputShape: [6, 6, 3], network: network)
    }

    static func withRandomBuffers(_ model: Model) -> Model {
        ModelFileTests.randomizeBuffers(model)
        return model
    }

    /// Saves `model`, loads it back, and checks the description, every tensor, the summary and the
    /// output (layers and compiled plan) are exactly the same.
    static func expectRoundTrip(_ model: Model, input: Tensor) throws {
        let url = ModelFileTests.temporaryURL()
        defer { try? FileManager.default.removeItem(at: url) }
        try ModelFile.save(model, to: url)
        let loaded = try Model.load(url.path)
        #expect(try loaded.modelDescription() == model.modelDescription())
        #expect(loaded.name == model.name && loaded.inputShape == model.inputShape && loaded.options == model.options)
        let original = model.namedParameters(), restored = loaded.namedParameters()
        #expect(original.map(\.name) == restored.map(\.name))
        for (a, b) in zip(original, restored) { #expect(a.parameter.value == b.parameter.value, "\(a.name)") }
        #expect(try ModelSummary(loaded) == ModelSummary(model))
        #expect(try loaded(input) == model(input))
        #expect(try InferencePlan(loaded, batch: input.shape[0])(input) == InferencePlan(model, batch: input.shape[0])(input))
    }

    static func input(for model: Model, batch: Int = 2, seed: UInt64 = 9) throws -> Tensor {
        var generator = RandomGenerator(seed: seed)
        return try Tensor.normal([batch] + model.inputShape, using: &generator)
    }

    @Test(arguments: ModelZoo.names)
    func builtInModelsRoundTrip(_ name: String) throws {
        let options = name.hasPrefix("mobilenet") ? ModelOptions(widthMultiplier: 0.25, resolution: 32, classes: 7)
            : name.hasPrefix("fashion") ? ModelOptions() : ModelOptions(resolution: 8)
        let model = try Random.withSeed(4) { Self.withRandomBuffers(try ModelZoo.make(name, options: options)) }
        try Self.expectRoundTrip(model, input: try Self.input(for: model))
    }

    @Test func handBuiltModelsRoundTrip() throws {
        for make in [Self.handBuiltModel, Self.handBuiltGraph] {
            let model = try Random.withSeed(5) { Self.withRandomBuffers(try make()) }
            try Self.expectRoundTrip(model, input: try Self.input(for: model))
        }
    }

    @Test(arguments: ONNXFixture.all)
    func importedModelsRoundTrip(_ fixture: ONNXFixture) throws {
        let model = try ONNXModel(contentsOf: fixture.modelURL).model
        try Self.expectRoundTrip(model, input: try Self.input(for: model, batch: 1))
    }

    /// A network whose channel counts differ from any built-in one (as pruning leaves it).
    @Test func reshapedModelsRoundTrip() throws {
        var description = try Random.withSeed(6) { try ModelZoo.make("fashion-sepcnn") }.modelDescription()
        func narrow(_ layer: inout LayerDescription) throws {
            for index in layer.children.indices { try narrow(&layer.children[index].layer) }
            guard case .object(var settings) = layer.configuration else { return }
            for key in ["channels", "inputChannels", "outputChannels"] {
                if case .number(let count)? = settings[key], count == 64 { settings[key] = .number(40) }
            }
            layer.configuration = .object(settings)
        }
        try narrow(&description.network)
        #expect(description != (try ModelZoo.make("fashion-sepcnn").modelDescription()))
        let model = try Random.withSeed(7) { Self.withRandomBuffers(try Model(description)) }
        try Self.expectRoundTrip(model, input: try Self.input(for: model))
    }

    /// Files written before format version 2 name a built-in model; they load as they did.
    @Test func version1FilesLoad() throws {
        let model = try Model.load(Fixtures.directory.appendingPathComponent("model-sepcnn-example.safetensors").path)
        #expect(model.name == "sepcnn-example" && model.inputShape == [16, 16, 3])
        #expect(try model.modelDescription() == ModelZoo.make("sepcnn-example", options: ModelOptions(resolution: 16)).modelDescription())
    }

    @Test func layersOfYourOwnRegister() throws {
        final class Scale: SettingFreeLayer {
            init() {}
            func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }
            func forward(_ input: Tensor, training: Bool) throws -> Tensor {
                Tensor(uncheckedShape: input.shape, scalars: input.scalars.map { $0 * 2 })
            }
            static var layerType: String { "TestScale" }
        }
        let description = LayerDescription(type: "TestScale")
        #expect(throws: SepCNNError.self) { try LayerRegistry.makeLayer(from: description) }
        LayerRegistry.register(Scale.self)
        #expect(try LayerRegistry.makeLayer(from: description) is Scale)
        #expect(try Scale().layerDescription() == description)
    }

    // MARK: - Bad descriptions

    /// The error of loading the saved hand-built model with its architecture text changed by `edit`.
    static func loadError(editing edit: (String) -> String) throws -> SepCNNError? {
        let model = try Random.withSeed(8) { try handBuiltModel() }
        let url = ModelFileTests.temporaryURL()
        defer { try? FileManager.default.removeItem(at: url) }
        try ModelFile.save(model, to: url)
        var file = try SafetensorsFile(contentsOf: url)
        let text = try #require(file.metadata["architecture"])
        let edited = edit(text)
        #expect(edited != text, "the edit changed nothing")
        file.metadata["architecture"] = edited
        try file.write(to: url)
        let error = #expect(throws: SepCNNError.self) { try Model.load(url.path) }
        #expect(error?.message.contains(url.path) == true, "the error names the file")
        return error
    }

    @Test func unknownLayerTypesAreNamed() throws {
        let error = try Self.loadError { $0.replacingOccurrences(of: #""type":"HardSwish""#, with: #""type":"MegaSwish""#) }
        #expect(error?.message.contains("unknown layer type 'MegaSwish'") == true)
        #expect(error?.layerPath == "block.act")
    }

    @Test func inconsistentShapesAreNamed() throws {
        let error = try Self.loadError { $0.replacingOccurrences(of: #""inputFeatures":256"#, with: #""inputFeatures":255"#) }
        #expect(error?.kind == .shapeMismatch && error?.layerPath == "fc")
    }

    @Test func badSettingsAreNamed() throws {
        let missing = try Self.loadError { $0.replacingOccurrences(of: #""groups":2,"#, with: "") }
        #expect(missing?.message.contains("missing 'groups'") == true && missing?.layerPath == "down.shortcut")
        let negative = try Self.loadError { $0.replacingOccurrences(of: #""rate":0.2"#, with: #""rate":-1"#) }
        #expect(negative?.message.contains("rate must lie in [0, 1)") == true && negative?.layerPath == "dropout")
    }

    /// A description claiming a huge layer in a small file is refused before the layer is allocated.
    @Test func architecturesLargerThanTheirFileAreRefused() throws {
        let error = try Self.loadError { $0.replacingOccurrences(of: #""inputFeatures":256,"outputFeatures":10"#,
                                                                with: #""inputFeatures":256,"outputFeatures":4000000000"#) }
        #expect(error?.message.contains("the architecture needs 1028000000820 weights") == true && error?.message.contains("but the file holds only") == true,
                "\(error?.message ?? "")")
        let description = LayerDescription(type: "Conv2D", configuration: try JSONValue(encoding: Conv2D.Configuration(
            inputChannels: 1 << 40, outputChannels: 1 << 40, kernelSize: 3, stride: 1, padding: .valid, dilation: 1, groups: 1,
            bias: true, activation: .linear)))
        #expect(try LayerRegistry.parameterCount(of: description) == .max, "saturates instead of overflowing")
        #expect(try LayerRegistry.parameterCount(of: Self.handBuiltModel().network.layerDescription())
                == Self.handBuiltModel().namedParameters().reduce(0) { $0 + $1.parameter.count })
    }

    @Test func futureVersionsAreRefused() throws {
        let error = try Self.loadError { $0.replacingOccurrences(of: #""version":2"#, with: #""version":3"#) }
        #expect(error?.message.contains("version 3 is newer than this SepCNN reads") == true)
    }
}

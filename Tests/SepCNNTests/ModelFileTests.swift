import Foundation
import Testing
@testable import SepCNN

@Suite struct ModelFileTests {
    static func temporaryURL() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("sepcnn-\(UUID().uuidString).safetensors")
    }

    static func randomizeBuffers(_ model: Model) {
        Random.withGenerator { g in
            for (_, p) in model.namedParameters() where !p.isTrainable {
                p.value = Tensor(uncheckedShape: p.shape, scalars: (0..<p.count).map { _ in g.uniform(0.5, 1.5) })
            }
        }
    }

    @Test(arguments: ModelZoo.names)
    func roundTripKeepsEveryParameter(_ name: String) throws {
        let options = name.hasPrefix("mobilenet") ? ModelOptions(widthMultiplier: 0.25, resolution: 32, classes: 7)
            : name.hasPrefix("fashion") ? ModelOptions() : ModelOptions(resolution: 8)
        let model = try Random.withSeed(1) {
            let model = try ModelZoo.make(name, options: options)
            Self.randomizeBuffers(model)
            return model
        }
        let url = Self.temporaryURL()
        defer { try? FileManager.default.removeItem(at: url) }
        try ModelFile.save(model, to: url)
        let loaded = try ModelFile.load(from: url)
        #expect(loaded.name == name && loaded.inputShape == model.inputShape && loaded.options == model.options)
        let original = model.namedParameters(), restored = loaded.namedParameters()
        #expect(original.map(\.name) == restored.map(\.name))
        for (a, b) in zip(original, restored) { #expect(a.parameter.value == b.parameter.value, "\(a.name)") }
    }

    @Test func writesPyTorchNamesAndLayouts() throws {
        let model = try Random.withSeed(2) { try ModelZoo.make("sepcnn-example", options: ModelOptions(resolution: 4)) }
        let url = Self.temporaryURL()
        defer { try? FileManager.default.removeItem(at: url) }
        try ModelFile.save(model, to: url)
        let file = try SafetensorsFile(contentsOf: url)
        let shapes = Dictionary(uniqueKeysWithValues: file.entries.map { ($0.name, $0.tensor.shape) })
        #expect(shapes == [
            "depthwise.weight": [3, 1, 3, 3], "depthwise.bias": [3],
            "pointwise.weight": [64, 3, 1, 1], "pointwise.bias": [64],
            "bn.weight": [64], "bn.bias": [64], "bn.running_mean": [64], "bn.running_var": [64], "bn.num_batches_tracked": [],
            "fc.weight": [10, 256], "fc.bias": [10],
        ])
        #expect(file.entries.first { $0.name == "bn.num_batches_tracked" }?.dtype == .int64)
        // Dense rows are (h, w, c) in SepCNN and (c, h, w) in PyTorch: torch[o, c·4 + h·2 + w] = ours[(h·2 + w)·64 + c, o].
        let ours = model.namedParameters().first { $0.name == "fc.weight" }!.parameter.value
        let torch = try #require(file["fc.weight"])
        for (c, h, w, o) in [(0, 0, 1, 3), (5, 1, 0, 9), (63, 1, 1, 0)] {
            #expect(torch[o, c * 4 + h * 2 + w] == ours[(h * 2 + w) * 64 + c, o])
        }
        let depthwise = model.namedParameters().first { $0.name == "depthwise.weight" }!.parameter.value
        #expect(try #require(file["depthwise.weight"])[2, 0, 1, 0] == depthwise[1, 0, 2, 0])
        let description = try ModelDescription(json: try #require(file.metadata["architecture"]))
        #expect(description == (try model.modelDescription()))
        #expect(description.version == 2 && description.name == "sepcnn-example" && description.inputShape == [4, 4, 3])
        #expect(description.options == ModelOptions(resolution: 4, classes: 10))
        #expect(description.network.type == "Sequential" && description.network.children.map(\.name) == ["depthwise", "pointwise", "bn", "relu", "pool", "flatten", "fc"])
    }

    /// `Scripts/make_safetensors_fixtures.py` saved PyTorch's state dict of the example network
    /// (the one behind model-sepcnn-example.json); SepCNN must load it and give PyTorch's output.
    @Test func loadsPyTorchStateDictAndReproducesItsOutput() throws {
        let model = try ModelFile.load(from: Fixtures.directory.appendingPathComponent("model-sepcnn-example.safetensors"))
        let c = try #require(try Fixtures.load("model-sepcnn-example.json").first)
        let output = try model(try c.tensor("input"))
        let expected = try c.tensor("output")
        #expect(isClose(output, expected, rtol: 1e-4, atol: 1e-4), "off by \(output.maxAbsoluteDifference(expected))")
    }

    static func savedExample() throws -> SafetensorsFile {
        let model = try Random.withSeed(3) { try ModelZoo.make("sepcnn-example", options: ModelOptions(resolution: 4)) }
        let url = temporaryURL()
        defer { try? FileManager.default.removeItem(at: url) }
        try ModelFile.save(model, to: url)
        return try SafetensorsFile(contentsOf: url)
    }

    static func loadError(_ file: SafetensorsFile) throws -> SepCNNError? {
        let url = temporaryURL()
        defer { try? FileManager.default.removeItem(at: url) }
        try file.write(to: url)
        return #expect(throws: SepCNNError.self) { try ModelFile.load(from: url) }
    }

    @Test func missingUnexpectedAndMisshapenTensorsAreNamed() throws {
        var file = try Self.savedExample()
        file.entries.removeAll { $0.name == "bn.running_var" }
        #expect(try Self.loadError(file)?.message.contains("missing tensor 'bn.running_var'") == true)

        file = try Self.savedExample()
        file.entries.append(.init(name: "extra.weight", tensor: try .zeros([1])))
        #expect(try Self.loadError(file)?.message.contains("unexpected tensor 'extra.weight'") == true)

        file = try Self.savedExample()
        file.entries[0].tensor = try .zeros([3, 1, 5, 5])
        #expect(try Self.loadError(file)?.message.contains("'depthwise.weight' has shape [3, 1, 5, 5]") == true)

        // num_batches_tracked is optional, as in files PyTorch users write with their own tools.
        file = try Self.savedExample()
        file.entries.removeAll { $0.name.hasSuffix("num_batches_tracked") }
        let url = Self.temporaryURL()
        defer { try? FileManager.default.removeItem(at: url) }
        try file.write(to: url)
        _ = try ModelFile.load(from: url)
    }

    @Test func unknownModelsAndPlainFilesAreRefused() throws {
        var file = try Self.savedExample()
        file.metadata["architecture"] = #"{"format":"sepcnn-model","version":1,"model":"resnet-50","options":{}}"#
        #expect(try Self.loadError(file)?.message.contains("unknown model 'resnet-50'") == true)
        file.metadata = [:]
        #expect(try Self.loadError(file)?.message.contains("not a SepCNN model file") == true)
        file.metadata["architecture"] = "{"
        #expect(try Self.loadError(file)?.kind == .invalidFile)
    }

    @Test func layersThatCannotBeDescribedAreNamed() throws {
        final class Opaque: Layer {
            func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }
            func forward(_ input: Tensor, training: Bool) throws -> Tensor { input }
        }
        let model = Model(name: "custom", inputShape: [4, 4, 1], network: Sequential(named: [("act", ReLU()), ("mine", Opaque())]))
        let error = #expect(throws: SepCNNError.self) { try ModelFile.save(model, to: Self.temporaryURL()) }
        #expect(error?.message.contains("Opaque cannot be described") == true && error?.layerPath == "mine")
    }
}

import Foundation
import Testing
@testable import SepCNN

private func randomImages(_ model: Model, batch: Int, seed: UInt64) throws -> Tensor {
    var generator = RandomGenerator(seed: seed)
    return try Tensor.normal([batch] + model.inputShape, using: &generator)
}

/// Random γ, β and running statistics, so that a BatchNorm exported with its parameters swapped
/// or its epsilon lost gives other numbers.
private func randomizeBatchNorms(_ model: Model, seed: UInt64) throws {
    let count = TrainedLookingRecipe.batchNorms(of: model).count
    try TrainedLookingRecipe(seed: seed, varianceExponents: Array(repeating: 0, count: count), logitExponent: 0).apply(to: model)
}

@Suite("ONNX export")
struct ONNXExportTests {
    /// Exports `model`, imports the file with SepCNN's importer and returns both outputs on a
    /// random batch of 2 (the file's batch dimension is dynamic).
    private func reimported(_ model: Model) throws -> (expected: Tensor, actual: Tensor) {
        let onnx = try ONNXModel(serializedData: ONNXExporter.serializedData(of: model), name: model.name)
        #expect(onnx.inputLayout == .nchw)
        #expect(onnx.declaredInputShape == model.nchwInputShape)
        #expect(onnx.model.inputShape == model.inputShape)
        let x = try randomImages(model, batch: 2, seed: 7)
        return (try model(x), try onnx.model(x))
    }

    /// Float32 rounding differs between the two graphs (the importer folds some constants into
    /// weights), so the bound is 1e-5 relative to the output's magnitude, and absolute below 1.
    private func expectSameOutputs(_ pair: (expected: Tensor, actual: Tensor)) {
        #expect(pair.actual.shape == pair.expected.shape)
        let peak = pair.expected.scalars.map(abs).max() ?? 0
        let difference = pair.actual.maxAbsoluteDifference(pair.expected)
        #expect(difference <= 1e-5 * max(1, peak), "max |difference| \(difference) on outputs up to \(peak)")
    }

    @Test("hand-built networks of every layer re-import with the same outputs", arguments: ExportTestNetwork.all.filter(\.reimportable))
    func handBuiltRoundTrip(_ network: ExportTestNetwork) throws {
        let model = try network.make()
        try randomizeBatchNorms(model, seed: 3)
        expectSameOutputs(try reimported(model))
    }

    @Test("built-in models re-import with the same outputs", arguments: ModelZoo.names)
    func builtInRoundTrip(_ name: String) throws {
        let model = try Random.withSeed(5) { try ModelZoo.make(name, options: ExportFixtureCase.smallOptions(for: name)) }
        try randomizeBatchNorms(model, seed: 4)
        expectSameOutputs(try reimported(model))
    }

    @Test("an imported graph exports and re-imports with the same outputs")
    func importedRoundTrip() throws {
        let model = try ONNXModel(contentsOf: ONNXFixture.directory.appendingPathComponent("mobilenet_v3_small-opset17.onnx")).model
        expectSameOutputs(try reimported(model))
    }

    @Test("the file declares opset 17, input [batch_size, C, H, W] and output [batch_size, classes]")
    func declaredInterface() throws {
        let model = try Random.withSeed(1) { try ModelZoo.make("mobilenet-v2", options: ModelOptions(widthMultiplier: 0.35, resolution: 40, classes: 7)) }
        let proto = try Onnx_ModelProto(serializedBytes: ONNXExporter.serializedData(of: model))
        #expect(proto.opsetImport.map(\.version) == [17])
        #expect(proto.opsetImport.map(\.domain) == [""])
        func dims(_ info: Onnx_ValueInfoProto) -> [String] {
            guard case let .tensorType(tensor)? = info.type.value else { return [] }
            return tensor.shape.dim.map { dimension in
                switch dimension.value {
                case let .dimParam(name)?: return name
                case let .dimValue(size)?: return String(size)
                case nil: return "?"
                }
            }
        }
        #expect(proto.graph.input.map(\.name) == ["input"])
        #expect(proto.graph.input.map(dims) == [["batch_size", "3", "40", "40"]])
        #expect(proto.graph.output.map(\.name) == ["output"])
        #expect(proto.graph.output.map(dims) == [["batch_size", "7"]])
        // An image output is declared NCHW.
        let image = try ExportTestNetwork.all.first { $0.name == "image-output" }!.make()
        let imageProto = try Onnx_ModelProto(serializedBytes: ONNXExporter.serializedData(of: image))
        #expect(imageProto.graph.output.map(dims) == [["batch_size", "4", "5", "7"]])
    }

    @Test("initializers keep SepCNN's parameter names, with weights in ONNX's layouts")
    func initializerNames() throws {
        for model in [try ExportTestNetwork.all.first { $0.name == "graph" }!.make(),
                      try Random.withSeed(2) { try ModelZoo.make("mobilenet-v2", options: ModelOptions(widthMultiplier: 0.35, resolution: 32)) }] {
            let proto = try Onnx_ModelProto(serializedBytes: ONNXExporter.serializedData(of: model))
            let initializers = Dictionary(uniqueKeysWithValues: proto.graph.initializer.map { ($0.name, $0.dims.map(Int.init)) })
            for (name, parameter) in model.namedParameters() {
                #expect(initializers[name] != nil, "no initializer \(name) in \(model.name)")
                #expect(initializers[name].map { $0.reduce(1, *) } == parameter.count)
            }
        }
        let model = try ExportTestNetwork.all.first { $0.name == "convolutions" }!.make()
        let proto = try Onnx_ModelProto(serializedBytes: ONNXExporter.serializedData(of: model))
        let dims = Dictionary(uniqueKeysWithValues: proto.graph.initializer.map { ($0.name, $0.dims.map(Int.init)) })
        #expect(dims["grouped.weight"] == [8, 4, 3, 3])             // [M, C/g, kh, kw]
        #expect(dims["depthwise.weight"] == [16, 1, 3, 3])          // [C·multiplier, 1, kh, kw]
        #expect(dims["pointwise.weight"] == [8, 16, 1, 1])
        #expect(dims["separable.depthwise.weight"] == [16, 1, 3, 1])
        #expect(dims["fc1.weight"] == [10, 12])                     // Gemm transB = 1, as nn.Linear
    }

    @Test("a Flatten of a feature map exports a transpose to SepCNN's (h, w, c) order; an NCHW one with H·W = 1 does not")
    func flattenOrder() throws {
        let spatial = try Random.withSeed(3) { try ModelZoo.make("sepcnn-example", options: ModelOptions(resolution: 8)) }
        let pooled = try Random.withSeed(3) { try ModelZoo.make("mobilenet-v2", options: ModelOptions(widthMultiplier: 0.35, resolution: 32)) }
        func operators(_ model: Model) throws -> [String] {
            try Onnx_ModelProto(serializedBytes: ONNXExporter.serializedData(of: model)).graph.node.map(\.opType)
        }
        let spatialOperators = try operators(spatial)
        #expect(spatialOperators.suffix(3) == ["Transpose", "Flatten", "Gemm"])
        #expect(!(try operators(pooled)).contains("Transpose"))
    }

    @Test("an exported file runs any batch")
    func dynamicBatch() throws {
        let model = try ExportTestNetwork.all.first { $0.name == "graph" }!.make()
        let onnx = try ONNXModel(serializedData: ONNXExporter.serializedData(of: model), name: "graph")
        let x = try randomImages(model, batch: 3, seed: 9)
        let single = try Tensor(shape: [1] + model.inputShape, scalars: Array(x.scalars.prefix(model.inputShape.reduce(1, *))))
        let batched = try onnx.model(x)
        #expect(Array(batched.scalars.prefix(10)) == (try onnx.model(single)).scalars)
    }

    @Test("a layer without an ONNX form is refused, naming its path and type")
    func unsupportedLayer() throws {
        final class Doubling: Layer {
            func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }
            func forward(_ input: Tensor, training: Bool) throws -> Tensor { input }
        }
        let network = Sequential(named: [("block", Sequential(named: [("conv", try PointwiseConv2D(inputChannels: 3, outputChannels: 3)),
                                                                      ("custom", Doubling())]))])
        let model = Model(name: "custom", inputShape: [4, 4, 3], network: network)
        do {
            _ = try ONNXExporter.serializedData(of: model)
            Issue.record("exported a layer it cannot express")
        } catch let error as SepCNNError {
            #expect(error.kind == .invalidArgument)
            #expect(error.description.contains("'block.custom'"))
            #expect(error.description.contains("Doubling"))
        }
    }

    @Test("a Permute moving the batch axis, an unknown opset and a non-image model are refused")
    func refusals() throws {
        let moving = Model(name: "moving", inputShape: [2, 2, 3], network: Sequential([try Permute(order: [1, 0, 2, 3])]))
        #expect(throws: SepCNNError.self) { try ONNXExporter.serializedData(of: moving) }
        let model = try ExportTestNetwork.all[0].make()
        #expect(throws: SepCNNError.self) { try ONNXExporter.serializedData(of: model, opset: 11) }
        let flat = Model(name: "flat", inputShape: [12], network: Sequential([try Dense(inputFeatures: 12, outputFeatures: 2)]))
        #expect(throws: SepCNNError.self) { try ONNXExporter.serializedData(of: flat) }
    }

    @Test("write replaces the file atomically and reports what it wrote")
    func writeFile() throws {
        let model = try ExportTestNetwork.all[0].make()
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sepcnn-export-\(UInt32.random(in: 0...UInt32.max)).onnx")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data("old".utf8).write(to: url)
        let summary = try ONNXExporter.write(model, to: url)
        let written = try Data(contentsOf: url)
        #expect(written == (try ONNXExporter.serializedData(of: model)))
        #expect(summary.byteCount == written.count)
        #expect(summary.inputShape == [1, 3, 15, 15])
        #expect(summary.outputShape == [1, 6])
    }

    @Test("run(rawNCHWInput:) reads NCHW, as the exported file does, and refuses a wrong byte count")
    func rawNCHWRun() throws {
        let model = try ExportTestNetwork.all.first { $0.name == "image-output" }!.make()
        let x = try randomImages(model, batch: 1, seed: 12)
        let output = RawFloat32.values(try model.run(rawNCHWInput: RawFloat32.data(try x.toNCHW().scalars)))
        let expected = try model(x).toNCHW().scalars
        #expect(output.count == expected.count)
        #expect(zip(output, expected).allSatisfy { abs($0 - $1) <= 1e-5 })
        #expect(throws: SepCNNError.self) { try model.run(rawNCHWInput: Data(count: 12)) }
    }
}

@Suite("ONNX export against ONNX Runtime")
struct ONNXExportRuntimeTests {
    static let writeDirectory = ProcessInfo.processInfo.environment["SEPCNN_EXPORT_FIXTURES_DIR"]

    @Test("every case has a fixture made by Scripts/make_export_fixtures.py")
    func fixturesPresent() throws {
        let manifest = try #require(ExportFixtureManifest.loaded)
        #expect(Set(manifest.cases.map(\.name)) == Set(ExportFixtureCase.all.map(\.name)))
    }

    /// The exported bytes must be the file ONNX Runtime ran (size and CRC-32), so the comparison
    /// says something about this build's exporter and not only about the one that made the fixtures.
    @Test("exports are the files ONNX Runtime ran, and SepCNN's outputs match its within 1e-4", arguments: ExportFixtureCase.all)
    func matchesONNXRuntime(_ fixture: ExportFixtureCase) throws {
        let entry = try #require(ExportFixtureManifest.entry(fixture.name), "no fixture for \(fixture.name); run Scripts/make_export_fixtures.py")
        let model = try fixture.build()
        if fixture.needsRecipe { try #require(entry.recipe).apply(to: model) }
        let data = try ONNXExporter.serializedData(of: model)
        #expect(data.count == entry.byteCount)
        #expect(crc32(data) == entry.crc32, "the export differs from the file ONNX Runtime ran")
        #expect(model.nchwInputShape == entry.inputShape)

        let input = try Data(contentsOf: Fixtures.directory.appendingPathComponent(entry.input))
        let expected = RawFloat32.values(try Data(contentsOf: Fixtures.directory.appendingPathComponent(entry.output)))
        #expect(expected.count == entry.outputShape.reduce(1, *))
        // Through a compiled plan (what `sepcnn run` does) and through the layers' own forward passes.
        let planned = RawFloat32.values(try model.run(rawNCHWInput: input))
        let image = try Tensor.fromNCHW(Tensor(shape: entry.inputShape, scalars: RawFloat32.values(input)))
        let output = try model(image)
        let direct = output.rank == 4 ? try output.toNCHW().scalars : output.scalars
        for actual in [planned, direct] {
            #expect(actual.count == expected.count)
            let difference = zip(actual, expected).map { abs($0 - $1) }.max() ?? .infinity
            #expect(difference <= 1e-4, "max |difference| \(difference)")
        }
    }

    /// Not a check: Scripts/make_export_fixtures.py runs it (with SEPCNN_EXPORT_FIXTURES_DIR set)
    /// to get the exported files, their inputs and recipes, and SepCNN's outputs for ONNX Runtime to compare.
    @Test("write the export fixtures' files", .enabled(if: writeDirectory != nil))
    func writeExportFixtures() throws {
        let directory = URL(fileURLWithPath: try #require(Self.writeDirectory))
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        struct Written: Encodable {
            let name: String, source: String, recipe: TrainedLookingRecipe?, input: String?, inputShape: [Int]
        }
        var written: [Written] = []
        for fixture in ExportFixtureCase.all {
            let model = try fixture.build()
            let input: Data
            if let shared = fixture.sharedInput {
                input = try Data(contentsOf: Fixtures.directory.appendingPathComponent(shared))
            } else {
                input = RawFloat32.data(try randomImages(model, batch: 1, seed: ExportFixtureCase.seed &+ 2).toNCHW().scalars)
                try input.write(to: directory.appendingPathComponent("\(fixture.name).input.bin"))
            }
            var recipe: TrainedLookingRecipe?
            if fixture.needsRecipe {
                let image = try Tensor.fromNCHW(Tensor(shape: model.nchwInputShape, scalars: RawFloat32.values(input)))
                recipe = try TrainedLookingRecipe.calibrated(fixture.build, input: image, seed: ExportFixtureCase.seed)
                try recipe!.apply(to: model)
            }
            try ONNXExporter.write(model, to: directory.appendingPathComponent("\(fixture.name).onnx"))
            try model.run(rawNCHWInput: input).write(to: directory.appendingPathComponent("\(fixture.name).sepcnn.bin"))
            written.append(Written(name: fixture.name, source: fixture.source, recipe: recipe, input: fixture.sharedInput,
                                   inputShape: model.nchwInputShape))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(written).write(to: directory.appendingPathComponent("cases.json"))
    }
}

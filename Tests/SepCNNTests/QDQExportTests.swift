import Foundation
import Testing
@testable import SepCNN

/// Quantized models exported as QDQ ONNX files: built-in and hand-built networks quantized by
/// `PostTrainingQuantizer` on seeded random images (`QDQExportCase.quantized`).
struct QDQExportCase: CustomStringConvertible, Sendable {
    let name: String
    let build: @Sendable () throws -> Model

    var description: String { name }

    static let all: [QDQExportCase] = [
        QDQExportCase(name: "fashion-sepcnn-int8") { try ModelZoo.make("fashion-sepcnn") },
        QDQExportCase(name: "mobilenet-v2-tiny-int8") {
            try ModelZoo.make("mobilenet-v2", options: ModelOptions(widthMultiplier: 0.25, resolution: 32, classes: 10))
        },
        QDQExportCase(name: "graph-int8") { try ExportTestNetwork.all.first { $0.name == "graph" }!.make() },
    ]

    /// The float model with seeded weights, quantized on 4 seeded random images.
    func quantized() throws -> Model {
        let model = try Random.withSeed(5) { try build() }
        var generator = RandomGenerator(seed: 9)
        let images = try Tensor.normal([4] + model.inputShape, using: &generator)
        return try PostTrainingQuantizer().quantize(model, calibrationBatches: [images])
    }

    func input(for model: Model) throws -> Tensor {
        var generator = RandomGenerator(seed: 13)
        return try Tensor.normal([1] + model.inputShape, using: &generator)
    }

    /// The output step: the scale of the last FakeQuantize (a quantized model's output is on its grid).
    static func outputStep(_ model: Model) -> Float {
        model.network.namedLayers().compactMap { ($0.layer as? FakeQuantize)?.quantization.scale }.last ?? 1
    }

    static let directory = Fixtures.directory.appendingPathComponent("qdq-export")
}

private func quantizedParameters(_ model: Model) -> [[Float]] {
    model.namedParameters().compactMap { $0.parameter.quantization?.scales }
}

private func fakeQuantizations(_ model: Model) -> [QuantizationParameters] {
    model.network.namedLayers().compactMap { ($0.layer as? FakeQuantize)?.quantization }
}

@Suite("QDQ export")
struct QDQExportTests {
    static let writeDirectory = ProcessInfo.processInfo.environment["SEPCNN_QDQ_EXPORT_DIR"]

    @Test("FakeQuantize exports as QuantizeLinear → DequantizeLinear, quantized weights as int8 with per-channel scales, biases as int32")
    func operators() throws {
        let model = try QDQExportCase.all[0].quantized()
        let proto = try ONNXExporter.modelProto(of: model, opset: ONNXExporter.defaultOpset)
        let ops = proto.graph.node.map(\.opType)
        #expect(ops.filter { $0 == "QuantizeLinear" }.count == fakeQuantizations(model).count)
        func quantized(_ type: Onnx_TensorProto.DataType) -> Int {
            proto.graph.initializer.filter { $0.dataType == Int32(type.rawValue) && $0.name.hasSuffix("_quantized") }.count
        }
        #expect(quantized(.int8) == quantizedParameters(model).count)
        // Every convolution's bias reads values on an int8 grid (a FakeQuantize's, or a MaxPool of
        // them), so each is int32 at s_in · s_w; the classifier reads a float global average.
        #expect(quantized(.int32) == model.namedParameters().filter { $0.name.hasSuffix("bias") }.count - 1)
        #expect(ops.filter { $0 == "DequantizeLinear" }.count == fakeQuantizations(model).count + quantized(.int8) + quantized(.int32))
        #expect(!proto.graph.initializer.contains { $0.name.hasSuffix(".weight") }, "a quantized weight was written as float")
    }

    @Test("a quantized model re-imports with the same quantization and outputs", arguments: QDQExportCase.all)
    func roundTrip(_ fixture: QDQExportCase) throws {
        let model = try fixture.quantized()
        let onnx = try ONNXModel(serializedData: ONNXExporter.serializedData(of: model), name: model.name)
        #expect(quantizedParameters(onnx.model) == quantizedParameters(model))
        #expect(fakeQuantizations(onnx.model) == fakeQuantizations(model))
        let x = try fixture.input(for: model)
        let step = QDQExportCase.outputStep(model)
        let difference = steps(try onnx.model(x).scalars, try model(x).scalars, step: step)
        // Only a float sum rounded differently can move a value across a rounding boundary: one step.
        #expect(difference <= 1.01, "\(difference) steps")
    }

    /// Scripts/make_qdq_export_fixtures.py ran ONNX Runtime on the exported file and committed its output.
    @Test("ONNX Runtime's output on the exported file is within three steps of SepCNN's", arguments: QDQExportCase.all)
    func matchesONNXRuntime(_ fixture: QDQExportCase) throws {
        let directory = QDQExportCase.directory
        let expected = RawFloat32.values(try Data(contentsOf: directory.appendingPathComponent("\(fixture.name).ort.bin")))
        let model = try fixture.quantized()
        let input = try fixture.input(for: model)
        let step = QDQExportCase.outputStep(model)
        func check(_ output: [Float]) {
            let difference = steps(output, expected, step: step)
            #expect(difference <= 3.01, "\(difference) steps")
            #expect(argmax(output) == argmax(expected))
        }
        check(try model(input).scalars)
        check(try InferencePlan(model)(input).scalars)
    }

    /// Not a check: Scripts/make_qdq_export_fixtures.py runs it with SEPCNN_QDQ_EXPORT_DIR set.
    @Test("write the QDQ export fixtures' files", .enabled(if: writeDirectory != nil))
    func writeFixtures() throws {
        let directory = URL(fileURLWithPath: try #require(Self.writeDirectory))
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var steps: [String: Float] = [:]
        for fixture in QDQExportCase.all {
            let model = try fixture.quantized()
            let input = try fixture.input(for: model)
            try ONNXExporter.write(model, to: directory.appendingPathComponent("\(fixture.name).onnx"))
            try RawFloat32.data(input.toNCHW().scalars).write(to: directory.appendingPathComponent("\(fixture.name).input.bin"))
            try RawFloat32.data(model(input).scalars).write(to: directory.appendingPathComponent("\(fixture.name).sepcnn.bin"))
            steps[fixture.name] = QDQExportCase.outputStep(model)
        }
        try JSONEncoder().encode(steps).write(to: directory.appendingPathComponent("steps.json"))
    }
}

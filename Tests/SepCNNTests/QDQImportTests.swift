import Foundation
import Testing
@testable import SepCNN

/// One quantized model of Tests/SepCNNTests/Fixtures/qdq/, made by Scripts/make_qdq_fixtures.py with
/// ONNX Runtime's `quantize_static`: the file, an input, ONNX Runtime's int8 output (`output`) and its
/// output with graph optimisations off (`reference`: every Q/DQ run as written, in float).
struct QDQFixture: CustomStringConvertible, Sendable {
    let name: String
    let inputShape: [Int]
    let outputShape: [Int]
    /// The scale of the output's last quantization: one step of the int8 output.
    let outputStep: Float

    var description: String { name }

    static let directory = Fixtures.directory.appendingPathComponent("qdq")

    private struct Manifest: Decodable {
        struct Case: Decodable { let name: String; let inputShape: [Int]; let outputShape: [Int]; let outputStep: Float }
        let cases: [Case]
        let refused: [String]
    }

    private static let manifest: Manifest? = {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent("manifest.json")) else { return nil }
        return try? JSONDecoder().decode(Manifest.self, from: data)
    }()

    static let all: [QDQFixture] = manifest?.cases.map {
        QDQFixture(name: $0.name, inputShape: $0.inputShape, outputShape: $0.outputShape, outputStep: $0.outputStep)
    } ?? []

    /// Files whose quantized element type SepCNN refuses, named `refused-…-TYPE`.
    static let refused: [String] = manifest?.refused ?? []

    static func url(_ name: String) -> URL { directory.appendingPathComponent("\(name).onnx") }

    func floats(_ suffix: String) throws -> [Float] {
        let data = try Data(contentsOf: Self.directory.appendingPathComponent("\(name).\(suffix).bin"))
        return data.withUnsafeBytes { bytes in
            (0..<data.count / 4).map { Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }
}

/// The largest |a − b| in units of `step`.
func steps(_ a: [Float], _ b: [Float], step: Float) -> Float {
    guard a.count == b.count, !a.isEmpty else { return .infinity }
    return zip(a, b).map { abs($0 - $1) }.max()! / step
}

func argmax(_ values: [Float]) -> Int { values.indices.max { values[$0] < values[$1] }! }

@Suite("QDQ import")
struct QDQImportTests {
    @Test("the fixture set is present")
    func fixturesPresent() {
        #expect(QDQFixture.all.count >= 3)
        #expect(QDQFixture.refused.count >= 6)
    }

    /// The layer path rounds every value exactly where the file's Q/DQ pairs do, in float; ONNX
    /// Runtime's as-written run does the same, so they differ only where float sums round apart
    /// and land a value on the other side of a rounding boundary (one step, rarely).
    @Test("the layer path equals ONNX Runtime's as-written run within one output step", arguments: QDQFixture.all)
    func matchesAsWritten(_ fixture: QDQFixture) throws {
        let onnx = try ONNXModel(contentsOf: QDQFixture.url(fixture.name))
        #expect(onnx.declaredInputShape == fixture.inputShape)
        #expect(onnx.declaredOutputShape == fixture.outputShape)
        let output = try onnx.declaredOutput(onnx.model(onnx.input(fromDeclared: fixture.floats("input"))))
        let difference = steps(output, try fixture.floats("reference"), step: fixture.outputStep)
        #expect(difference <= 1.01, "\(difference) steps")
    }

    /// ONNX Runtime's int8 kernels requantize in integers; the issue asks for a few steps and the same top-1.
    @Test("the layer path is within three output steps of ONNX Runtime's int8 kernels, top-1 identical", arguments: QDQFixture.all)
    func matchesInt8Kernels(_ fixture: QDQFixture) throws {
        let onnx = try ONNXModel(contentsOf: QDQFixture.url(fixture.name))
        let expected = try fixture.floats("output")
        let output = try onnx.declaredOutput(onnx.model(onnx.input(fromDeclared: fixture.floats("input"))))
        let difference = steps(output, expected, step: fixture.outputStep)
        #expect(difference <= 3.01, "\(difference) steps")
        if fixture.outputShape.count == 2 { #expect(argmax(output) == argmax(expected)) }
    }

    /// An int8 plan requantizes in integers (round to nearest even of int32 × scale), not in float:
    /// like ONNX Runtime's kernels it may land a value one step away at each layer.
    @Test("a compiled plan is within three output steps of the layer path and of ONNX Runtime's int8 kernels", arguments: QDQFixture.all)
    func planMatchesLayers(_ fixture: QDQFixture) throws {
        let onnx = try ONNXModel(contentsOf: QDQFixture.url(fixture.name))
        let input = try onnx.input(fromDeclared: fixture.floats("input"))
        let layers = try onnx.declaredOutput(onnx.model(input))
        let planned = try onnx.declaredOutput(InferencePlan(onnx.model)(input))
        let difference = steps(planned, layers, step: fixture.outputStep)
        #expect(difference <= 3.01, "\(difference) steps")
        let int8 = steps(planned, try fixture.floats("output"), step: fixture.outputStep)
        #expect(int8 <= 3.01, "\(int8) steps from ONNX Runtime's int8 output")
        if fixture.outputShape.count == 2 { #expect(argmax(planned) == argmax(try fixture.floats("output"))) }
    }

    /// Every convolution and dense weight is on its int8 grid, and activations are FakeQuantize layers.
    @Test("weights import quantized, activations as FakeQuantize", arguments: QDQFixture.all)
    func importsQuantizedModel(_ fixture: QDQFixture) throws {
        let model = try ONNXModel(contentsOf: QDQFixture.url(fixture.name)).model
        let weights = model.namedParameters().filter { $0.name.hasSuffix("weight") }
        #expect(!weights.isEmpty)
        for (name, parameter) in weights {
            #expect(parameter.quantization != nil, "\(name) is not quantized")
            guard let quantization = parameter.quantization, let q = parameter.quantizedValues else { continue }
            #expect(quantization.dequantize(q) == parameter.value.scalars, "\(name) is off its int8 grid")
        }
        let fakeQuantizes = (model.network as! GraphNetwork).nodes.filter { $0.layer is FakeQuantize }
        #expect(fakeQuantizes.count >= 3)
    }

    @Test("uint8 activations become the equivalent int8")
    func uint8Activations() throws {
        let model = try ONNXModel(contentsOf: QDQFixture.url("convnet-qdq-uint8")).model
        let zeroPoints = (model.network as! GraphNetwork).nodes.compactMap { ($0.layer as? FakeQuantize)?.quantization.zeroPoint }
        // ReLU outputs quantized as uint8 with zero point 0 are int8 with zero point −128.
        #expect(zeroPoints.contains(-128))
    }

    @Test("unsupported quantized types are refused by name", arguments: QDQFixture.refused)
    func refusesType(_ name: String) throws {
        let expected = name.hasSuffix("zero-point") ? "zero point 3 in channel 1" : String(name.split(separator: "-").last!)
        do {
            _ = try ONNXModel(contentsOf: QDQFixture.url(name))
            Issue.record("\(name) was imported")
        } catch let error as SepCNNError {
            #expect(error.message.contains(expected), "\(error.message)")
            #expect(error.message.contains("int8"), "\(error.message)")
        }
    }

    /// A scalar initializer of `type` (int8, uint8 zero points; a float scale).
    private static func scalar(_ name: String, _ value: Double, _ type: Onnx_TensorProto.DataType) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dataType = Int32(type.rawValue)
        if type == .float { t.floatData = [Float(value)] } else { t.int32Data = [Int32(value)] }
        return t
    }

    @Test("a lone QuantizeLinear at the output returns ONNX Runtime's integers, for int8 and uint8")
    func loneQuantizeAtOutput() throws {
        for (type, zero) in [(Onnx_TensorProto.DataType.int8, -3.0), (.uint8, 130)] {
            let data = try ONNXBuilder.model(nodes: [ONNXBuilder.node("QuantizeLinear", ["x", "s", "z"], ["y"])],
                                             initializers: [Self.scalar("s", 0.5, .float), Self.scalar("z", zero, type)])
            let onnx = try ONNXModel(serializedData: data, name: "q")
            let x: [Float] = [0, 0.25, 0.75, -1, 100, -100, 1.3, 2] + [Float](repeating: 0.5, count: 24)
            let output = try onnx.declaredOutput(onnx.model(onnx.input(fromDeclared: x)))
            let (low, high): (Double, Double) = type == .int8 ? (-128, 127) : (0, 255)
            // ONNX: saturate(round_half_even(x / s) + zp).
            let expected = x.map { Float(min(max((Double($0) / 0.5).rounded(.toNearestOrEven) + zero, low), high)) }
            #expect(output == expected, "\(type)")
        }
    }

    @Test("a DequantizeLinear of another quantization, or an int8 value read by a float operator, is refused by name")
    func mismatchedPairs() throws {
        let initializers = [Self.scalar("s", 0.5, .float), Self.scalar("s2", 0.25, .float), Self.scalar("z", 0, .int8)]
        let mismatched = try ONNXBuilder.model(nodes: [
            ONNXBuilder.node("QuantizeLinear", ["x", "s", "z"], ["q"]),
            ONNXBuilder.node("DequantizeLinear", ["q", "s2", "z"], ["y"], name: "dq"),
        ], initializers: initializers)
        let message = try #require(ONNXBuilder.loadError(mismatched))
        #expect(message.contains("DequantizeLinear node 'dq'") && message.contains("scale 0.25"), "\(message)")
        let direct = try ONNXBuilder.model(nodes: [
            ONNXBuilder.node("QuantizeLinear", ["x", "s", "z"], ["q"]),
            ONNXBuilder.node("Relu", ["q"], ["y"], name: "relu"),
        ], initializers: initializers)
        let other = try #require(ONNXBuilder.loadError(direct))
        #expect(other.contains("Relu node 'relu'") && other.contains("an int8 value"), "\(other)")
    }
}

import Foundation
import Testing
@testable import SepCNN

/// One exported model of Tests/SepCNNTests/Fixtures/onnx/, made by Scripts/make_onnx_fixtures.py:
/// the model, an input in its declared layout, and ONNX Runtime's output for that input.
struct ONNXFixture: CustomStringConvertible, Sendable {
    let name: String
    let inputShape: [Int]
    let outputShape: [Int]

    var description: String { name }

    static let directory = Fixtures.directory.appendingPathComponent("onnx")

    static let all: [ONNXFixture] = {
        struct Manifest: Decodable {
            struct Case: Decodable { let name: String; let inputShape: [Int]; let outputShape: [Int] }
            let cases: [Case]
        }
        guard let data = try? Data(contentsOf: directory.appendingPathComponent("manifest.json")),
              let manifest = try? JSONDecoder().decode(Manifest.self, from: data) else { return [] }
        return manifest.cases.map { ONNXFixture(name: $0.name, inputShape: $0.inputShape, outputShape: $0.outputShape) }
    }()

    var modelURL: URL { Self.directory.appendingPathComponent("\(name).onnx") }

    func floats(_ suffix: String) throws -> [Float] {
        let data = try Data(contentsOf: Self.directory.appendingPathComponent("\(name).\(suffix).bin"))
        return data.withUnsafeBytes { bytes in
            (0..<data.count / 4).map { Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }
}

@Suite("ONNX import")
struct ONNXImportTests {
    @Test("the fixture set is present")
    func fixturesPresent() {
        #expect(ONNXFixture.all.count >= 6)
    }

    @Test("imported models match ONNX Runtime within 1e-4", arguments: ONNXFixture.all)
    func matchesONNXRuntime(_ fixture: ONNXFixture) throws {
        let onnx = try ONNXModel(contentsOf: fixture.modelURL)
        #expect(onnx.declaredInputShape == fixture.inputShape)
        #expect(onnx.declaredOutputShape == fixture.outputShape)
        let input = try onnx.input(fromDeclared: fixture.floats("input"))
        let expected = try fixture.floats("output")
        // Through the layers' own forward passes and through a compiled plan.
        let direct = try onnx.declaredOutput(onnx.model(input))
        let planned = try onnx.declaredOutput(InferencePlan(onnx.model)(input))
        for actual in [direct, planned] {
            #expect(actual.count == expected.count)
            let difference = zip(actual, expected).map { abs($0 - $1) }.max() ?? .infinity
            #expect(difference <= 1e-4, "max |difference| \(difference)")
        }
    }
}

@Suite struct ONNXConstantStorageTests {
    /// Float weights stay 4-byte floats through decoding and transposing (as Doubles they doubled
    /// the import's peak memory); their values and order are unchanged.
    @Test func floatTensorsKeepFloatStorage() throws {
        let values: [Float] = [1.5, -2, 3.25, 0.125, 7, -0.5]
        var raw = Onnx_TensorProto()
        raw.dims = [2, 3]
        raw.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        raw.rawData = values.withUnsafeBytes { Data($0) }
        var listed = raw
        listed.clearRawData()
        listed.floatData = values
        for proto in [raw, listed] {
            let constant = try ONNXConstant(proto, directory: nil)
            guard case .floats(let floats) = constant.values.storage else { Issue.record("stored as Doubles"); continue }
            #expect(floats == values)
            let transposed = constant.transposed([1, 0])
            guard case .floats = transposed.values.storage else { Issue.record("transposed to Doubles"); continue }
            #expect(transposed.dims == [3, 2])
            #expect(transposed.floats == [1.5, 0.125, -2, 7, 3.25, -0.5])
            #expect(Array(constant.values) == values.map(Double.init))
        }
    }
}

import Foundation
import Testing
@testable import SepCNN

/// Small ONNX graphs built in code, each wrong in one way.
enum ONNXBuilder {
    static func tensor(_ name: String, dims: [Int64], floats: [Float]) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dims = dims
        t.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        t.floatData = floats
        return t
    }

    static func node(_ op: String, _ inputs: [String], _ outputs: [String], name: String = "") -> Onnx_NodeProto {
        var n = Onnx_NodeProto()
        n.opType = op
        n.input = inputs
        n.output = outputs
        n.name = name
        return n
    }

    static func model(nodes: [Onnx_NodeProto], initializers: [Onnx_TensorProto] = [], input: [Int64] = [1, 2, 4, 4],
                      output: String = "y", opset: Int64 = 17) throws -> Data {
        var info = Onnx_ValueInfoProto()
        info.name = "x"
        var tensorType = Onnx_TypeProto.Tensor()
        tensorType.elemType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        tensorType.shape.dim = input.map { value in
            var d = Onnx_TensorShapeProto.Dimension()
            d.dimValue = value
            return d
        }
        info.type.tensorType = tensorType
        var out = Onnx_ValueInfoProto()
        out.name = output
        var graph = Onnx_GraphProto()
        graph.node = nodes
        graph.initializer = initializers
        graph.input = [info]
        graph.output = [out]
        var model = Onnx_ModelProto()
        model.irVersion = 8
        model.graph = graph
        var opsetID = Onnx_OperatorSetIdProto()
        opsetID.version = opset
        model.opsetImport = [opsetID]
        return try model.serializedData()
    }

    /// The message of the error loading `data` throws, or nil if it loads.
    static func loadError(_ data: Data, directory: URL? = nil) -> String? {
        do {
            _ = try ONNXModel(serializedData: data, name: "test", directory: directory)
            return nil
        } catch let error as SepCNNError {
            return error.description
        } catch {
            return "not a SepCNNError: \(error)"
        }
    }
}

@Suite("ONNX malformed input")
struct ONNXMalformedInputTests {
    @Test("a small valid graph loads and runs: the builder itself is sound")
    func validGraphLoads() throws {
        let weight = ONNXBuilder.tensor("w", dims: [2, 2, 1, 1], floats: [1, 0, 0, 1])
        let data = try ONNXBuilder.model(nodes: [ONNXBuilder.node("Conv", ["x", "w"], ["c"]), ONNXBuilder.node("Relu", ["c"], ["y"])],
                                         initializers: [weight])
        let onnx = try ONNXModel(serializedData: data, name: "identity")
        let input = try Tensor(shape: [1, 4, 4, 2], scalars: (0..<32).map { Float($0) - 16 })
        #expect(try onnx.model(input).scalars == input.scalars.map { max($0, 0) })
    }

    @Test("unsupported operators are all listed by name in one error")
    func unsupportedOperators() throws {
        let data = try ONNXBuilder.model(nodes: [ONNXBuilder.node("Foo", ["x"], ["a"]), ONNXBuilder.node("Relu", ["a"], ["b"]),
                                                 ONNXBuilder.node("Bar", ["b"], ["c"]), ONNXBuilder.node("Foo", ["c"], ["y"])])
        #expect(ONNXBuilder.loadError(data) == "unsupported ONNX operators: Foo, Bar")
    }

    @Test("a node reading a tensor nothing defines, or its own successor (a cycle), is refused")
    func missingTensorsAndCycles() throws {
        let missing = try ONNXBuilder.model(nodes: [ONNXBuilder.node("Relu", ["nowhere"], ["y"], name: "r")])
        #expect(ONNXBuilder.loadError(missing)?.contains("Relu node 'r': reads 'nowhere', which no earlier node") == true)
        let cycle = try ONNXBuilder.model(nodes: [ONNXBuilder.node("Relu", ["b"], ["a"]), ONNXBuilder.node("Relu", ["a"], ["b"]),
                                                  ONNXBuilder.node("Relu", ["b"], ["y"])])
        #expect(ONNXBuilder.loadError(cycle)?.contains("reads 'b', which no earlier node") == true)
    }

    @Test("wrong input counts per operator are refused")
    func wrongInputCount() throws {
        let data = try ONNXBuilder.model(nodes: [ONNXBuilder.node("Relu", ["x", "x"], ["y"])])
        #expect(ONNXBuilder.loadError(data) == "Relu: takes 1 input, got 2")
    }

    @Test("tensor data that disagrees with the dimensions is refused")
    func tensorSizes() throws {
        var raw = ONNXBuilder.tensor("w", dims: [2, 2, 1, 1], floats: [])
        raw.rawData = Data(count: 12)
        let short = try ONNXBuilder.model(nodes: [ONNXBuilder.node("Conv", ["x", "w"], ["y"])], initializers: [raw])
        #expect(ONNXBuilder.loadError(short) == "tensor 'w': raw data holds 12 bytes, but [2, 2, 1, 1] of float32 needs 16")
        let typed = try ONNXBuilder.model(nodes: [ONNXBuilder.node("Conv", ["x", "w"], ["y"])],
                                          initializers: [ONNXBuilder.tensor("w", dims: [2, 2, 1, 1], floats: [1, 2, 3])])
        #expect(ONNXBuilder.loadError(typed) == "tensor 'w' holds 3 values, but its dimensions [2, 2, 1, 1] need 4")
        let negative = try ONNXBuilder.model(nodes: [ONNXBuilder.node("Conv", ["x", "w"], ["y"])],
                                             initializers: [ONNXBuilder.tensor("w", dims: [2, -2, 1, 1], floats: [])])
        #expect(ONNXBuilder.loadError(negative)?.contains("invalid dimensions") == true)
        let huge = try ONNXBuilder.model(nodes: [ONNXBuilder.node("Conv", ["x", "w"], ["y"])],
                                         initializers: [ONNXBuilder.tensor("w", dims: [1 << 30, 1 << 30, 1 << 30, 8], floats: [])])
        #expect(ONNXBuilder.loadError(huge)?.contains("too many elements") == true)
    }

    @Test("a weight that does not fit the input's channels is refused, naming the node")
    func wrongWeightShape() throws {
        let data = try ONNXBuilder.model(nodes: [ONNXBuilder.node("Conv", ["x", "w"], ["y"], name: "conv1")],
                                         initializers: [ONNXBuilder.tensor("w", dims: [2, 3, 1, 1], floats: [Float](repeating: 0, count: 6))])
        #expect(ONNXBuilder.loadError(data) == "Conv node 'conv1': weight [2, 3, 1, 1] does not fit 2 input channels in 1 groups")
    }

    @Test("unsupported attribute values are refused")
    func unsupportedAttributes() throws {
        var node = ONNXBuilder.node("Conv", ["x", "w"], ["y"])
        var autoPad = Onnx_AttributeProto()
        autoPad.name = "auto_pad"
        autoPad.type = .string
        autoPad.s = Data("SIDEWAYS".utf8)
        node.attribute = [autoPad]
        let data = try ONNXBuilder.model(nodes: [node], initializers: [ONNXBuilder.tensor("w", dims: [2, 2, 1, 1], floats: [1, 0, 0, 1])])
        #expect(ONNXBuilder.loadError(data) == "Conv: auto_pad 'SIDEWAYS' is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER")
    }

    @Test("extreme attribute values and huge folded lists give short errors (regressions found by fuzzing)")
    func extremeValues() throws {
        var group = Onnx_AttributeProto()
        group.name = "group"
        group.type = .int
        group.i = Int64.min
        var conv = ONNXBuilder.node("Conv", ["x", "w"], ["y"])
        conv.attribute = [group]
        let data = try ONNXBuilder.model(nodes: [conv], initializers: [ONNXBuilder.tensor("w", dims: [2, 2, 1, 1], floats: [1, 0, 0, 1])])
        #expect(ONNXBuilder.loadError(data) == "Conv: attribute group must be an integer of reasonable size")

        var count = Onnx_AttributeProto()
        count.name = "value_ints"
        count.type = .ints
        count.ints = [1000]
        var constant = ONNXBuilder.node("Constant", [], ["n"])
        constant.attribute = [count]
        let pads = try ONNXBuilder.model(nodes: [constant, ONNXBuilder.node("ConstantOfShape", ["n"], ["p"]),
                                                 ONNXBuilder.node("Pad", ["x", "p"], ["y"])])
        let message = ONNXBuilder.loadError(pads) ?? ""
        #expect(message.hasPrefix("Pad: pads [0, 0, 0, 0, 0, 0, 0, 0, … (1000 values)] must pad height and width only"))
        #expect(message.count < 200)
    }

    @Test("external data is refused without a directory and when its path leaves the model's directory")
    func externalData() throws {
        func external(_ location: String) throws -> Data {
            var w = ONNXBuilder.tensor("w", dims: [2, 2, 1, 1], floats: [])
            w.dataLocation = .external
            var entry = Onnx_StringStringEntryProto()
            entry.key = "location"
            entry.value = location
            w.externalData = [entry]
            return try ONNXBuilder.model(nodes: [ONNXBuilder.node("Conv", ["x", "w"], ["y"])], initializers: [w])
        }
        #expect(ONNXBuilder.loadError(try external("weights.bin"))?.contains("load the model from its file") == true)
        let directory = FileManager.default.temporaryDirectory
        for location in ["../weights.bin", "/etc/passwd", "a/../../b"] {
            #expect(ONNXBuilder.loadError(try external(location), directory: directory)?.contains("must be a plain relative path") == true)
        }
    }

    @Test("external data is read from a file beside the model, with offset and length checked")
    func externalDataFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sepcnn-onnx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let values: [Float] = [2, 0, 0, 3]
        var bytes = Data(count: 8)  // 8 bytes of padding before the tensor
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        try bytes.write(to: directory.appendingPathComponent("weights.bin"))
        func model(offset: String) throws -> Data {
            var w = ONNXBuilder.tensor("w", dims: [2, 2, 1, 1], floats: [])
            w.dataLocation = .external
            w.externalData = [("location", "weights.bin"), ("offset", offset), ("length", "16")].map {
                var e = Onnx_StringStringEntryProto()
                e.key = $0.0
                e.value = $0.1
                return e
            }
            return try ONNXBuilder.model(nodes: [ONNXBuilder.node("Conv", ["x", "w"], ["y"])], initializers: [w])
        }
        let onnx = try ONNXModel(serializedData: try model(offset: "8"), name: "external", directory: directory)
        let input = try Tensor(shape: [1, 4, 4, 2], repeating: 1)
        #expect(try onnx.model(input).scalars == [Float](repeating: 0, count: 16).flatMap { _ in [2, 3] as [Float] })
        #expect(ONNXBuilder.loadError(try model(offset: "12"), directory: directory)?.contains("lie beyond the end") == true)
    }

    @Test("a truncated file is a decoding error, not a crash")
    func truncated() throws {
        let data = try Data(contentsOf: ONNXFixture.directory.appendingPathComponent("tiny_graph-opset13.onnx"))
        #expect(ONNXBuilder.loadError(data.prefix(data.count / 2))?.hasPrefix("not a valid ONNX model") == true)
    }

    @Test("the raw input of `run` must have the declared size")
    func runInputSize() throws {
        let onnx = try ONNXModel(contentsOf: ONNXFixture.directory.appendingPathComponent("tiny_graph-opset13.onnx"))
        #expect(throws: SepCNNError.shapeMismatch("the input must hold 3072 bytes (float32 [1, 3, 16, 16], NCHW); got 100 bytes")) {
            try onnx.run(rawInput: Data(count: 100))
        }
    }

    /// Seeded mutations of a valid model: truncations and byte flips. Each must load or throw;
    /// a crash would end the test process. Models that load are also run once.
    @Test("hundreds of mutated models load or throw, never crash")
    func mutations() throws {
        let original = try Data(contentsOf: ONNXFixture.directory.appendingPathComponent("tiny_graph-opset13.onnx"))
        var generator = RandomGenerator(seed: 2024)
        var loaded = 0, refused = 0
        for round in 0..<400 {
            var bytes = [UInt8](original)
            if round % 4 == 0 {
                bytes = Array(bytes.prefix(Int(generator.next() % UInt64(bytes.count))))
            } else {
                for _ in 0..<(1 + Int(generator.next() % 4)) {
                    bytes[Int(generator.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: generator.next())
                }
            }
            do {
                let onnx = try ONNXModel(serializedData: Data(bytes), name: "mutant")
                loaded += 1
                if onnx.model.inputShape.reduce(1, *) <= 1 << 16 {
                    _ = try? onnx.model(Tensor(shape: [1] + onnx.model.inputShape, repeating: 0.5))
                }
            } catch is SepCNNError {
                refused += 1
            }
        }
        #expect(loaded + refused == 400)
        // Both outcomes occur: flips inside weight data still load, most structural damage does not.
        #expect(loaded > 20, "loaded \(loaded)")
        #expect(refused > 100, "refused \(refused)")
    }
}

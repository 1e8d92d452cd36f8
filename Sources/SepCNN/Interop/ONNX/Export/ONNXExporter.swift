import Foundation
import SwiftProtobuf

/// Writes a SepCNN `Model` as an ONNX file that ONNX Runtime (or any ONNX consumer) runs like a
/// `torch.onnx` export of the same network (see Docs/onnx-export.md).
///
/// The graph has one float32 input `input` of shape `[batch_size, C, H, W]` (NCHW, the batch
/// dimension symbolic) and one output `output`: `[batch_size, classes]` for a classifier, NCHW
/// for an image. Inside, SepCNN's NHWC values become NCHW, weights are converted to ONNX's
/// (PyTorch's) layouts, and initializers keep SepCNN's parameter names (`features.3.conv.weight`).
/// Every built-in layer and container exports; any other layer throws, naming its path and type.
public enum ONNXExporter {
    /// The opset written unless another is asked for.
    public static let defaultOpset = 17
    /// Opsets the exported operators mean the same in: HardSwish needs 14; nothing written changed after.
    public static let supportedOpsets = 14...21
    public static let inputName = "input"
    public static let outputName = "output"
    /// The symbolic name of the batch dimension, as in PyTorch's export tutorial.
    public static let batchDimension = "batch_size"

    /// The serialized ONNX ModelProto of `model`.
    public static func serializedData(of model: Model, opset: Int = defaultOpset) throws -> Data {
        try serialize(modelProto(of: model, opset: opset), model.name)
    }

    /// Exports `model` to `url`, atomically (a reader sees the old file or the whole new one).
    @discardableResult
    public static func write(_ model: Model, to url: URL, opset: Int = defaultOpset) throws -> ONNXExportSummary {
        let proto = try modelProto(of: model, opset: opset)
        let data = try serialize(proto, model.name)
        try AtomicFile.write(data, to: url)
        /// Batch 1 in place of the symbolic batch.
        func shape(_ info: Onnx_ValueInfoProto) -> [Int] {
            guard case let .tensorType(tensor)? = info.type.value else { return [] }
            return tensor.shape.dim.map { if case let .dimValue(size)? = $0.value { Int(size) } else { 1 } }
        }
        return ONNXExportSummary(byteCount: data.count, opset: opset, inputShape: shape(proto.graph.input[0]),
                                 outputShape: shape(proto.graph.output[0]), nodeCount: proto.graph.node.count,
                                 initializerCount: proto.graph.initializer.count)
    }

    private static func serialize(_ proto: Onnx_ModelProto, _ name: String) throws -> Data {
        do {
            return try proto.serializedBytes()
        } catch {
            throw SepCNNError.invalidArgument("ONNX export of \(name): serialization failed: \(error)")
        }
    }

    static func modelProto(of model: Model, opset: Int) throws -> Onnx_ModelProto {
        guard supportedOpsets.contains(opset) else {
            throw SepCNNError.invalidArgument("ONNX export: opset \(opset) is not supported; SepCNN writes opsets \(supportedOpsets.lowerBound)–\(supportedOpsets.upperBound)")
        }
        guard model.inputShape.count == 3 else {
            throw SepCNNError.invalidArgument("ONNX export: model \(model.name) takes \(describe(model.inputShape)) inputs; SepCNN exports image models of [height, width, channels]")
        }
        // Every shape fits, or this names the layer that does not; the walk then relies on them.
        _ = try model.network.outputShape(for: [1] + model.inputShape)
        var builder = ONNXGraphBuilder(reservedNames: [inputName, outputName])
        let input = ONNXExportedValue(name: inputName, shape: [1] + model.inputShape, order: ONNXExportedValue.nchw)
        var output = try builder.export(model.network, path: "", input: input)
        output = builder.inDefaultOrder(output, path: "output")
        if output.name == inputName {
            // A network that computes nothing still needs a node to name its output.
            output.name = builder.addNode("Identity", inputs: [inputName], path: "output")
        }
        builder.rename(output.name, to: outputName)

        var graph = Onnx_GraphProto()
        graph.name = model.name
        graph.node = builder.nodes
        graph.initializer = builder.initializers
        graph.input = [Onnx_ValueInfoProto(name: inputName, batch: batchDimension, dims: input.onnxShape)]
        graph.output = [Onnx_ValueInfoProto(name: outputName, batch: batchDimension, dims: output.onnxShape)]

        var proto = Onnx_ModelProto()
        proto.irVersion = irVersion(for: opset)
        proto.producerName = "SepCNN"
        var operatorSet = Onnx_OperatorSetIdProto()
        operatorSet.domain = ""
        operatorSet.version = Int64(opset)
        proto.opsetImport = [operatorSet]
        proto.graph = graph
        return proto
    }

    /// The IR version that introduced `opset` (onnx/helper.py's table): consumers refuse older pairs.
    private static func irVersion(for opset: Int) -> Int64 {
        switch opset {
        case ...14: return 7
        case 15...18: return 8
        case 19...20: return 9
        default: return 10
        }
    }
}

/// What an export wrote.
public struct ONNXExportSummary: Sendable, Equatable {
    public let byteCount: Int
    public let opset: Int
    /// The input's shape for batch 1, NCHW: `[1, C, H, W]` (the batch is `batch_size` in the file).
    public let inputShape: [Int]
    /// The output's shape for batch 1 as the file declares it (`[1, classes]`, or NCHW).
    public let outputShape: [Int]
    public let nodeCount: Int
    public let initializerCount: Int
}

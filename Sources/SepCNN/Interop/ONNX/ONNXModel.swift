import Foundation
import SwiftProtobuf

/// An ONNX model imported as a SepCNN `Model` (see Docs/onnx-import.md).
///
/// The graph is converted once, at load time, from ONNX's NCHW to SepCNN's NHWC: `model` takes
/// and returns NHWC tensors like every SepCNN model. `inputLayout` and `outputLayout` say how the
/// ONNX graph itself declared them, for callers that exchange raw data in the graph's own layout
/// (`sepcnn run`): a PyTorch export declares NCHW, a tf2onnx export NHWC. A dynamic batch
/// dimension is imported as 1; the network itself accepts any batch.
public struct ONNXModel {
    public let model: Model
    /// The graph input's declared layout.
    public let inputLayout: ImageLayout
    /// The first graph output's declared layout if it is an image (rank 4), else nil (`[N, classes]`).
    public let outputLayout: ImageLayout?
    /// The declared input shape for batch 1, in the graph's own layout (e.g. `[1, 3, 224, 224]`).
    public let declaredInputShape: [Int]
    /// The first output's shape for batch 1, in the graph's own layout (e.g. `[1, 1000]`).
    public let declaredOutputShape: [Int]

    /// The largest value (in floats, batch 1) an imported graph may compute: 1 GiB.
    public static let maximumValueCount = 1 << 28

    /// Reads a `.onnx` file. Tensors stored as external data are read from files beside it.
    public init(contentsOf url: URL) throws {
        do {
            // The file's bytes are released once decoded, before the import (a second copy of the weights).
            let proto = try Self.decode(try Self.read(url))
            try self.init(proto: proto, name: url.deletingPathExtension().lastPathComponent,
                          directory: url.deletingLastPathComponent())
        } catch let error as SepCNNError {
            throw SepCNNError(error.kind, "\(url.path): \(error.message)", layerPath: error.layerPath)
        }
    }

    /// Decodes a serialized ModelProto. Without a `directory`, models with external data are refused.
    public init(serializedData data: Data, name: String, directory: URL? = nil) throws {
        try self.init(proto: try Self.decode(data), name: name, directory: directory)
    }

    private static func read(_ url: URL) throws -> Data {
        do {
            return try Data(contentsOf: url)
        } catch {
            throw SepCNNError.invalidArgument("cannot read ONNX model '\(url.path)': \(fileErrorReason(error))")
        }
    }

    private static func decode(_ data: Data) throws -> Onnx_ModelProto {
        do {
            var options = BinaryDecodingOptions()
            options.messageDepthLimit = 64
            return try Onnx_ModelProto(serializedBytes: data, options: options)
        } catch {
            throw SepCNNError.invalidArgument(
                "not a valid ONNX model (protobuf decoding failed: \(error)), nor a SepCNN model file or checkpoint (safetensors)")
        }
    }

    private init(proto: Onnx_ModelProto, name: String, directory: URL?) throws {
        guard proto.hasGraph else { throw SepCNNError.invalidArgument("the ONNX model has no graph") }
        let defaultDomain = proto.opsetImport.first { $0.domain.isEmpty || $0.domain == "ai.onnx" }
        let opset = Int(clamping: defaultDomain?.version ?? 1)
        var importer = ONNXGraphImporter(directory: directory, opset: opset)
        let graph = try importer.importGraph(proto.graph)
        let network = graph.network
        model = Model(name: name, inputShape: graph.inputShape, network: network)
        inputLayout = graph.inputLayout
        let input = graph.inputShape
        declaredInputShape = graph.inputLayout == .nchw ? [1, input[2], input[0], input[1]] : [1] + input
        declaredOutputShape = graph.output.shape
        outputLayout = graph.output.rank == 4 ? .nchw : nil
        // Every shape fits (checked again by the network), or this names the node that does not;
        // and no value is absurdly large (a corrupt pad or shape would otherwise surface as an allocation failure).
        let shapes = try network.valueShapes(for: [1] + input)
        for (value, shape) in shapes.enumerated() where ((try? checkedElementCount(shape, "")) ?? .max) > Self.maximumValueCount {
            let node = value == 0 ? "the input" : "node '\(network.nodes[value - 1].name)'"
            throw SepCNNError.invalidArgument("\(node) computes \(describe(shape)), more than \(Self.maximumValueCount) values per image")
        }
        let stored = shapes[network.output]
        guard stored.reduce(1, *) == declaredOutputShape.reduce(1, *) else {
            throw SepCNNError.invalidArgument("internal: the imported network computes \(describe(stored)) for an output declared \(describe(declaredOutputShape))")
        }
    }

    /// An NHWC tensor for the model from raw values in the graph's declared input layout; the
    /// batch is inferred from the count.
    public func input(fromDeclared values: [Float]) throws -> Tensor {
        let perImage = model.inputShape.reduce(1, *)
        guard !values.isEmpty, values.count % perImage == 0 else {
            throw SepCNNError.shapeMismatch("the model takes images of \(perImage) values (\(describe(declaredInputShape)) for batch 1); got \(values.count) values")
        }
        let batch = values.count / perImage
        if inputLayout == .nhwc { return try Tensor(shape: [batch] + model.inputShape, scalars: values) }
        let s = model.inputShape
        return try Tensor.fromNCHW(Tensor(shape: [batch, s[2], s[0], s[1]], scalars: values))
    }

    /// The model's output as the graph declares it: NHWC images back to NCHW, other ranks unchanged.
    public func declaredOutput(_ output: Tensor) throws -> [Float] {
        outputLayout == .nchw ? try output.toNCHW().scalars : output.scalars
    }
}

/// How an image tensor's axes are ordered in a file or an ONNX graph's input/output.
public enum ImageLayout: String, Sendable {
    /// `[batch, channels, height, width]` (PyTorch).
    case nchw
    /// `[batch, height, width, channels]` (TensorFlow/Keras, SepCNN).
    case nhwc
}

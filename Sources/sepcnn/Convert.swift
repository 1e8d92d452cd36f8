import ArgumentParser
import Foundation
import SepCNN

struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a model as an ONNX file or as a SepCNN model file.",
        usage: "sepcnn convert <model> <output> [<options>]",
        discussion: """
            OUTPUT ending in .onnx exports ONNX (opset \(ONNXExporter.defaultOpset)): one float32 input '\(ONNXExporter.inputName)' \
            of shape [\(ONNXExporter.batchDimension), C, H, W] (NCHW, as a PyTorch export), so 'sepcnn run MODEL' and \
            ONNX Runtime on the exported file take the same raw input. OUTPUT ending in .safetensors writes a SepCNN \
            model file (PyTorch names and layouts) that every command accepts as MODEL.
            """)

    @OptionGroup var model: ModelArguments

    @Argument(help: "The file to write: NAME.onnx or NAME.safetensors.")
    var output: String

    @Flag(help: "Print what was written as JSON instead of a line of text.")
    var json = false

    private struct Report: Encodable {
        var model: String, output: String, format: String, bytes: Int
        var opset: Int?, inputShape: [Int]?, outputShape: [Int]?, nodes: Int?, initializers: Int?, tensors: Int?
    }

    private enum Format { case onnx, modelFile }

    private var format: Format? {
        let lowercased = output.lowercased()
        return lowercased.hasSuffix(".onnx") ? .onnx : lowercased.hasSuffix(".safetensors") ? .modelFile : nil
    }

    func validate() throws {
        guard format != nil else {
            throw ValidationError("OUTPUT must end in .onnx (an ONNX file) or .safetensors (a SepCNN model file); got '\(output)'")
        }
    }

    func run() throws {
        let loaded = try loadModelWarningIfNotFinite(model.model, options: model.options, weights: model.weights)
        let url = URL(fileURLWithPath: output)
        switch format {
        case .onnx:
            let summary = try ONNXExporter.write(loaded, to: url)
            if json {
                print(try encodeJSON(Report(model: loaded.name, output: output, format: "onnx", bytes: summary.byteCount, opset: summary.opset,
                                            inputShape: summary.inputShape, outputShape: summary.outputShape, nodes: summary.nodeCount,
                                            initializers: summary.initializerCount, tensors: nil)))
                return
            }
            print("Wrote \(output): ONNX opset \(summary.opset), input '\(ONNXExporter.inputName)' float32 "
                  + "\(shapeText(summary.inputShape)) NCHW, output '\(ONNXExporter.outputName)' \(shapeText(summary.outputShape)), "
                  + "\(summary.nodeCount) nodes, \(summary.initializerCount) initializers, \(formattedFileSize(summary.byteCount))")
        case .modelFile:
            try ModelFile.save(loaded, to: url)
            let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? nil
            if json {
                print(try encodeJSON(Report(model: loaded.name, output: output, format: "safetensors", bytes: size ?? 0, opset: nil,
                                            inputShape: nil, outputShape: nil, nodes: nil, initializers: nil,
                                            tensors: loaded.namedParameters().count)))
                return
            }
            print("Wrote \(output): SepCNN model file of \(loaded.name), \(loaded.namedParameters().count) tensors"
                  + (size.map { ", \(formattedFileSize($0))" } ?? ""))
        case nil:
            break  // refused by validate()
        }
    }

    /// `[N, 3, 224, 224]`: the batch is whatever the caller feeds.
    private func shapeText(_ shape: [Int]) -> String {
        "[" + (["N"] + shape.dropFirst().map(String.init)).joined(separator: ", ") + "]"
    }
}

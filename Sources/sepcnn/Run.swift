import ArgumentParser
import Foundation
import SepCNN

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a model on one raw float32 input and write its raw float32 output.",
        usage: "sepcnn run <model> --input <input> --output <output> [<options>]",
        discussion: """
            The --input file holds little-endian float32 values for batch 1. An .onnx model takes its declared input shape and \
            layout (NCHW for a PyTorch export, NHWC for a tf2onnx export). A built-in model or a model file takes \
            NCHW [1, C, H, W], as the ONNX file 'sepcnn convert MODEL model.onnx' writes, so both give ONNX Runtime's \
            input. The --output file receives the output likewise (NCHW if it is a 4-D image). The model runs through a compiled \
            inference plan. A line saying what ran, and how long it took, goes to standard output.

              sepcnn run mobilenet-v2 --input image.bin --output logits.bin
            """)

    @OptionGroup var model: ModelArguments

    @Option(help: "Raw float32 input file.")
    var input: String

    @Option(help: "Raw float32 output file to write.")
    var output: String

    @Option(parsing: .unconditional, help: "Threads (default: SEPCNN_THREADS, else the number of cores).")
    var threads: Int?

    func validate() throws {
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must lie between 1 and 256") }
    }

    @Flag(help: "Print the summary as JSON instead of a line of text.")
    var json = false

    func run() throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: input))
        } catch {
            throw ValidationError("cannot read the input file \(input): \(fileErrorReason(error))")
        }
        let pool = ThreadPool(threads: threads ?? ThreadPool.defaultThreads)
        let result: Data
        let imageShape: [Int]
        let clock = ContinuousClock()
        let elapsed: Duration
        if ONNXModel.isONNXFile(atPath: model.model) {
            // An ONNX file keeps the layout its graph declares, whatever produced it.
            guard model.options == ModelOptions(), model.weights == nil else {
                throw ValidationError("--width-multiplier, --resolution, --classes and --weights apply to built-in models, not to \(model.model)")
            }
            let onnx = try ONNXModel(contentsOf: URL(fileURLWithPath: model.model))
            imageShape = onnx.model.inputShape
            var output = Data()
            elapsed = try clock.measure { output = try onnx.run(rawInput: data, pool: pool) }
            result = output
        } else {
            let loaded = try loadModelWarningIfNotFinite(model.model, options: model.options, weights: model.weights)
            imageShape = loaded.inputShape
            var output = Data()
            elapsed = try clock.measure { output = try loaded.run(rawNCHWInput: data, pool: pool) }
            result = output
        }
        do {
            try result.write(to: URL(fileURLWithPath: output), options: .atomic)
        } catch {
            throw ValidationError("cannot write the output file \(output): \(fileErrorReason(error))")
        }
        let inputs = data.count / MemoryLayout<Float>.size / max(imageShape.reduce(1, *), 1)
        let milliseconds = Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) * 1e-15
        let values = result.count / MemoryLayout<Float>.size
        if json {
            struct Report: Encodable {
                var model: String, inputs: Int, inputShape: [Int], milliseconds: Double, threads: Int, output: String, values: Int
            }
            print(try encodeJSON(Report(model: model.model, inputs: inputs, inputShape: imageShape, milliseconds: milliseconds,
                                        threads: pool.threads, output: output, values: values)))
        } else {
            let shape = imageShape.map(String.init).joined(separator: "×")
            print("ran \(model.model) on \(inputs) input\(inputs == 1 ? "" : "s") of \(shape) in \(format(milliseconds, 1)) ms "
                  + "→ \(output) (\(values) value\(values == 1 ? "" : "s"))")
        }
    }
}

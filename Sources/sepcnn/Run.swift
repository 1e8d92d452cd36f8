import ArgumentParser
import Foundation
import SepCNN

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a model on one raw float32 input and write its raw float32 output.",
        discussion: """
            IN holds little-endian float32 values for batch 1. An .onnx model takes its declared input shape and \
            layout (NCHW for a PyTorch export, NHWC for a tf2onnx export). A built-in model or a model file takes \
            NCHW [1, C, H, W], as the ONNX file 'sepcnn convert MODEL model.onnx' writes, so both give ONNX Runtime's \
            input. OUT receives the output likewise (NCHW if it is a 4-D image). The model runs through a compiled \
            inference plan.
            """)

    @OptionGroup var model: ModelArguments

    @Option(help: "Raw float32 input file.")
    var input: String

    @Option(help: "Raw float32 output file to write.")
    var output: String

    @Option(help: "Threads (default: SEPCNN_THREADS, else the number of cores).")
    var threads: Int?

    func validate() throws {
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must lie between 1 and 256") }
    }

    func run() throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: input))
        } catch {
            throw ValidationError("cannot read the input file \(input): \(error.localizedDescription)")
        }
        let pool = ThreadPool(threads: threads ?? ThreadPool.defaultThreads)
        let result: Data
        if ONNXModel.isONNXFile(atPath: model.model) {
            // An ONNX file keeps the layout its graph declares, whatever produced it.
            guard model.options == ModelOptions(), model.weights == nil else {
                throw ValidationError("--width-multiplier, --resolution, --classes and --weights apply to built-in models, not to \(model.model)")
            }
            result = try ONNXModel(contentsOf: URL(fileURLWithPath: model.model)).run(rawInput: data, pool: pool)
        } else {
            result = try loadModelWarningIfNotFinite(model.model, options: model.options, weights: model.weights).run(rawNCHWInput: data, pool: pool)
        }
        try result.write(to: URL(fileURLWithPath: output), options: .atomic)
    }
}

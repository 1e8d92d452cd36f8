import ArgumentParser
import Foundation
import SepCNN

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run an ONNX model on one raw float32 input and write its raw float32 output.",
        discussion: """
            IN holds little-endian float32 values in the model's declared input shape and layout, batch 1
            (NCHW for a PyTorch export, NHWC for a tf2onnx export). OUT receives the first output likewise
            (NCHW if it is a 4-D image). The model runs through a compiled inference plan.
            """)

    @Argument(help: "The .onnx model file.")
    var model: String

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
        let onnx = try ONNXModel(contentsOf: URL(fileURLWithPath: model))
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: input))
        } catch {
            throw ValidationError("cannot read the input file \(input): \(error.localizedDescription)")
        }
        let result = try onnx.run(rawInput: data, pool: ThreadPool(threads: threads ?? ThreadPool.defaultThreads))
        try result.write(to: URL(fileURLWithPath: output), options: .atomic)
    }
}

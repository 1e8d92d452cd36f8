import ArgumentParser
import Foundation
import SepCNN

struct Quantize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Quantize a model to int8 (TensorFlow Lite's full-integer scheme) and write it as a model file.",
        usage: "sepcnn quantize <model> --output <output> [<options>]",
        discussion: """
            Activation ranges are calibrated on representative images: a dataset's training images (--dataset, --data; \
            without --data the embedded Fashion-MNIST images), or the PNG/JPEG/PPM images in a folder (--images, prepared as \
            'sepcnn predict' prepares them). Weights are rounded to int8 per output channel. The output is a model file \
            every command takes; eval, bench, run and predict run it on int8 kernels.

              sepcnn quantize fashion.safetensors --output fashion-int8.safetensors --report
            """)

    @Argument(help: "A model file or checkpoint, an ONNX file, or a built-in model name.")
    var model: String

    @Option(help: "The int8 model file to write (.safetensors).")
    var output: String

    @Option(help: "A PyTorch state dict saved as .safetensors to load into a built-in model first.")
    var weights: String?

    @OptionGroup var data: DataArguments

    @Option(help: "A folder of images to calibrate with instead of a dataset.")
    var images: String?

    @Option(parsing: .unconditional, help: "How many images to calibrate with.")
    var calibrationSamples = 500

    @Option(help: "How each activation's range is chosen: minmax (default), percentile (99.99 %) or mse.")
    var method = CalibrationMethod.minmax.rawValue

    @Flag(help: "Print, per quantization point, the error of the int8 values against the float ones in quantization steps.")
    var report = false

    @Option(parsing: .unconditional, help: "Threads (default: SEPCNN_THREADS, else the number of cores).") var threads: Int?

    @Flag(help: "Print what was written (and with --report, the errors) as JSON.") var json = false

    func validate() throws {
        guard CalibrationMethod(rawValue: method) != nil else {
            throw ValidationError("--method must be one of \(CalibrationMethod.allCases.map(\.rawValue).joined(separator: ", ")); got '\(method)'")
        }
        guard calibrationSamples > 0 else { throw ValidationError("--calibration-samples must be positive, got \(calibrationSamples)") }
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must lie between 1 and 256") }
        if images != nil, data.data != nil { throw ValidationError("give --images or --data, not both") }
        try data.validate()
    }

    func run() throws {
        flushOutputByLine()
        if let threads { try ThreadPool.setSharedThreads(threads) }
        let float = try Model.load(model, weights: weights)
        let batches: [Tensor]
        let source: String
        if let images {
            var preprocessing = ImagePreprocessing.imageNet(size: Size2D(float.inputShape[0], float.inputShape[1]))
            if float.inputShape.last == 1 { (preprocessing.mean, preprocessing.standardDeviation) = ([0], [1]) }
            batches = try CalibrationData.batches(fromImagesIn: URL(fileURLWithPath: images), for: float,
                                                  samples: calibrationSamples, preprocessing: preprocessing)
            source = "images from \(images)"
        } else {
            let train = try data.trainingSplits().train
            if let note = adaptationNote(images: train.imageShape, model: float) { printNote(note) }
            batches = try CalibrationData.batches(from: train, for: float, samples: calibrationSamples)
            source = "\(data.datasetText) training images" + (data.data == nil ? " (embedded)" : "")
        }
        let count = batches.reduce(0) { $0 + $1.shape[0] }
        let quantizer = PostTrainingQuantizer(method: CalibrationMethod(rawValue: method)!)
        let quantized: Model
        var measured: QuantizationReport?
        if report {
            let (result, errors) = try quantizer.quantizeWithReport(float, calibrationBatches: batches, reportBatches: Array(batches.prefix(2)))
            quantized = result
            measured = errors
        } else {
            quantized = try quantizer.quantize(float, calibrationBatches: batches)
        }
        try ModelFile.save(quantized, to: URL(fileURLWithPath: output))
        let summary = try ModelSummary(quantized)
        let points = quantized.network.namedLayers().filter { $0.layer is FakeQuantize }.count
        let weightsQuantized = quantized.namedParameters().filter { $0.parameter.quantization != nil }.count
        if json {
            struct Point: Encodable {
                var name: String, scale: Float, zeroPoint: Int8, meanErrorSteps: Double, maxErrorSteps: Double, clippedFraction: Double
            }
            struct Report: Encodable {
                var model: String, output: String, method: String, calibrationImages: Int, calibrationSource: String
                var int8Weights: Int, quantizationPoints: Int, bytes: Int, float32WeightBytes: Int, errors: [Point]?
            }
            let errors = measured?.points.map {
                Point(name: $0.name, scale: $0.quantization.scale, zeroPoint: $0.quantization.zeroPoint,
                      meanErrorSteps: $0.meanErrorSteps, maxErrorSteps: $0.maxErrorSteps, clippedFraction: $0.clippedFraction)
            }
            print(try encodeJSON(Report(model: float.name, output: output, method: method, calibrationImages: count, calibrationSource: source,
                                        int8Weights: weightsQuantized, quantizationPoints: points, bytes: fileSize(output),
                                        float32WeightBytes: summary.totalParameters * 4, errors: errors)))
            return
        }
        if let measured { printReport(measured) }
        print("Quantized \(float.name) to int8 with \(method) ranges from \(count) \(source): \(weightsQuantized) int8 weights, \(points) quantization points.")
        print("Wrote \(output) (\(formattedFileSize(fileSize(output)))); float32 weights would take \(formattedFileSize(summary.totalParameters * 4)).")
    }

    private func printReport(_ report: QuantizationReport) {
        print("Quantization error per point, in quantization steps (rounding alone: mean ≈ 0.25, max 0.5):")
        let width = max(24, report.points.map(\.name.count).max() ?? 0)
        print("  " + "point".padding(toLength: width, withPad: " ", startingAt: 0) + "       scale   zero   mean    max   clipped")
        for point in report.points {
            let name = point.name.padding(toLength: width, withPad: " ", startingAt: 0)
            print("  \(name)  \(pad(String(format: "%.3g", point.quantization.scale), 10))  \(pad(String(point.quantization.zeroPoint), 5))"
                  + "  \(pad(format(point.meanErrorSteps, 2), 5))  \(pad(format(point.maxErrorSteps, 1), 5))  \(pad(format(point.clippedFraction * 100, 2), 7)) %")
        }
    }

    private func pad(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }

    private func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? Int) ?? 0
    }
}

import ArgumentParser
import Foundation
import SepCNN

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a trained model on a dataset's test images: accuracy, per-class accuracy, confusion matrix.",
        usage: "sepcnn eval <model> [<options>]",
        discussion: """
            Without --data, the model is checked on the 2,000 embedded Fashion-MNIST test \
            images (from the official test split, never among the embedded training images). \
            With --data DIR, on the test images of the dataset's files in DIR, as published (for \
            Fashion-MNIST: t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz); for \
            --dataset folder, on DIR/test if DIR has train/ and test/ folders, else on all of DIR:

              sepcnn eval fashion.safetensors --dataset fashion-mnist --data DIR --json
            """)

    @Argument(help: "A model file or checkpoint (from sepcnn train or convert), an ONNX file, or a built-in model name.")
    var model: String

    @Option(help: "A PyTorch state dict saved as .safetensors to load into a built-in model (SepCNN's or torchvision's names).")
    var weights: String?

    @OptionGroup var data: DataArguments

    @Flag(help: ArgumentHelp(
        "Re-estimate the BatchNorm running statistics on 1,280 training images (20 batches of 64) before evaluating; the file is not changed.",
        discussion: "Eval-mode accuracy of small BatchNorm networks depends on how well the running statistics fit the final weights; this shows how much."))
    var recalibrateBatchnorm = false

    @Option(parsing: .unconditional, help: "Threads (default: SEPCNN_THREADS, else the number of cores).") var threads: Int?
    @Flag(help: "Print JSON (accuracy 0–1, per-class accuracy, confusion matrix, loss).") var json = false

    func validate() throws {
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must lie between 1 and 256") }
    }

    func run() throws {
        flushOutputByLine()
        if let threads { try ThreadPool.setSharedThreads(threads) }
        let network = try loadModelWarningIfNotFinite(model, weights: weights)
        let (dataset, setName) = try data.evaluationSet(for: network)
        if let note = adaptationNote(images: dataset.imageShape, model: network) { printNote(note) }
        var recalibratedOn: Int?
        if recalibrateBatchnorm {
            let train = try data.trainingSplits().train
            guard train.classNames.count == dataset.classNames.count else {
                throw ValidationError("--recalibrate-batchnorm needs the training images of \(data.datasetText), which has \(train.classNames.count) classes, not \(dataset.classNames.count)")
            }
            let calibration = try PruningData.batchNormRecalibration(train, for: network)
            try network.recalibrateBatchNorm(on: calibration)
            recalibratedOn = calibration.batches.reduce(0) { $0 + $1.labels.count }
        }
        let evaluation = try Trainer.evaluate(network, on: dataset)
        guard evaluation.classes == dataset.classNames.count else {
            throw ValidationError("\(model) has \(evaluation.classes) classes but \(data.datasetText) has \(dataset.classNames.count)")
        }
        // The names the model was trained with (its --labels) name its outputs; else the dataset's.
        let classNames = network.classNames.flatMap { $0.count == evaluation.classes ? $0 : nil } ?? dataset.classNames
        if json {
            struct PerClass: Encodable { var index: Int; var name: String; var accuracy: Double? }
            struct Report: Encodable {
                var model: String, dataset: String, split: String, images: Int
                var accuracy: Double, loss: Double, perClass: [PerClass], confusion: [[Int]]
                var batchNormRecalibratedOn: Int?
            }
            let perClass = evaluation.perClassAccuracy.enumerated().map { PerClass(index: $0, name: classNames[$0], accuracy: $1) }
            print(try encodeJSON(Report(model: model, dataset: data.datasetText, split: setName, images: evaluation.count,
                                        accuracy: evaluation.accuracy, loss: evaluation.loss, perClass: perClass,
                                        confusion: evaluation.confusion, batchNormRecalibratedOn: recalibratedOn)))
            return
        }
        print("\(model) on \(grouped(evaluation.count)) \(setName) images (\(try data.source().description)): accuracy \(format(evaluation.accuracy * 100, 2)) %, loss \(format(evaluation.loss, 4))"
              + (recalibratedOn.map { ", BatchNorm recalibrated on \(grouped($0)) training images" } ?? ""))
        print("\nper class:")
        let nameWidth = classNames.map(\.count).max() ?? 0
        for (index, accuracy) in evaluation.perClassAccuracy.enumerated() {
            let name = classNames[index].padding(toLength: nameWidth, withPad: " ", startingAt: 0)
            print("  \(index)  \(name)  \(accuracy.map { format($0 * 100, 1) + " %" } ?? "—")")
        }
        print("\nconfusion matrix (rows: true class, columns: predicted):")
        let cellWidth = max(4, String(evaluation.confusion.flatMap { $0 }.max() ?? 0).count + 1)
        print("     " + (0..<evaluation.classes).map { pad(String($0), cellWidth) }.joined())
        for (truth, row) in evaluation.confusion.enumerated() {
            print(pad(String(truth), 4) + " " + row.map { pad(String($0), cellWidth) }.joined())
        }
    }

    private func pad(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
}

import ArgumentParser
import Foundation
import SepCNN

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a small SepCNN and its standard-convolution twin on embedded Fashion-MNIST and compare them.",
        discussion: """
            Both models see the same 8,000 training images in the same order (Adam 3e-3, batch 32, \
            seed 0) and are checked on the same 2,000 held-out images. The table shows what \
            depthwise-separable convolutions buy: far fewer parameters and multiply-accumulates, \
            faster training and inference, for a small loss of accuracy.
            """)

    @Option(parsing: .unconditional, help: "Epochs to train each model.") var epochs = 2
    @Option(parsing: .unconditional, help: "Threads (default: SEPCNN_THREADS, else the number of cores).") var threads: Int?
    @Flag(help: "Print JSON instead of a table.") var json = false

    func validate() throws {
        guard epochs > 0 else { throw ValidationError("--epochs must be positive") }
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must lie between 1 and 256") }
    }

    func run() throws {
        flushOutputByLine()
        if let threads { try ThreadPool.setSharedThreads(threads) }
        let data = try Dataset.embeddedFashionMNIST()
        // A brisker rate and smaller batches than `sepcnn train`'s defaults: two epochs of 8,000 images
        // are only 500 updates, and the demo has about a minute.
        var recipe = TrainingConfiguration()
        recipe.epochs = epochs
        recipe.learningRate = 3e-3
        recipe.batchSize = 32
        let models = ["fashion-sepcnn", "fashion-sepcnn-standard"]
        if !json {
            print("Training \(models.joined(separator: " and ")) on \(grouped(data.train.count)) Fashion-MNIST images for \(epochs) epoch(s) each "
                  + "(Adam 3e-3, batch 32, \(ThreadPool.shared.threads) thread(s)); checking on \(grouped(data.test.count)) test images (the official test split, never trained on).")
        }
        let bar = ProgressLine(total: 0)
        let reports = try TrainingComparison.run(models: models, training: data.train, validation: data.test,
                                                 configuration: recipe) { name, r in
            bar.show("\(name)  epoch \(r.epoch + 1)/\(epochs)  \(r.batch)/\(r.batches)  loss \(format(r.loss, 3))  \(Int(r.imagesPerSecond)) images/s")
        }
        bar.finish()
        if json {
            print(try encodeJSON(reports))
            return
        }
        let (separable, standard) = (reports[0], reports[1])
        func ratio(_ a: Double, _ b: Double) -> String { b > 0 ? "\(format(a / b, 2))×" : "—" }
        let rows: [[String]] = [
            ["trainable parameters", grouped(separable.trainableParameters), grouped(standard.trainableParameters),
             ratio(Double(separable.trainableParameters), Double(standard.trainableParameters))],
            ["multiply-accumulates / image", grouped(separable.macs), grouped(standard.macs), ratio(Double(separable.macs), Double(standard.macs))],
            ["training time", "\(format(separable.trainingSeconds, 1)) s", "\(format(standard.trainingSeconds, 1)) s",
             ratio(separable.trainingSeconds, standard.trainingSeconds)],
            ["training speed", "\(Int(separable.trainingImagesPerSecond)) images/s", "\(Int(standard.trainingImagesPerSecond)) images/s",
             ratio(separable.trainingImagesPerSecond, standard.trainingImagesPerSecond)],
            ["inference, 1 image", "\(format(separable.inferenceMicroseconds, 0)) µs", "\(format(standard.inferenceMicroseconds, 0)) µs",
             ratio(separable.inferenceMicroseconds, standard.inferenceMicroseconds)],
            ["test accuracy", "\(format(separable.validationAccuracy * 100, 2)) %", "\(format(standard.validationAccuracy * 100, 2)) %",
             "\(format((separable.validationAccuracy - standard.validationAccuracy) * 100, 2)) points"],
        ]
        print()
        print(formatTable(header: ["", separable.model, standard.model, "separable / standard"], rows: rows, rightAligned: [1, 2, 3]),
              terminator: "")
    }
}

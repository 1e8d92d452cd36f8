import ArgumentParser
import Foundation
import SepCNN

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Classify PNG, JPEG or PPM images with a model and print the most probable classes.",
        usage: "sepcnn predict <model> <images> ... [<options>]",
        discussion: """
            Each image is resized so its shorter side is the model's size × 256/224 (bilinear, \
            antialiased), centre-cropped to the model's size, scaled to 0…1 and normalised with \
            ImageNet's mean and standard deviation (for 3-channel models; 1-channel models get \
            mean 0, std 1) — torchvision's evaluation recipe. MODEL is a built-in model name, an \
            .onnx file or a .safetensors model file.

              sepcnn predict mobilenet_v2.onnx photo.png --labels classes.txt --top 3
            """)

    @Argument(help: "A built-in model, or a model file, checkpoint or ONNX file.")
    var model: String

    @Argument(help: "PNG, PPM/PGM or JPEG images, or folders of them (searched recursively, in path order).")
    var images: [String]

    @Option(help: "A PyTorch state dict saved as .safetensors to load into a built-in model (SepCNN's or torchvision's names).")
    var weights: String?

    @Option(help: "A text file of class names, one per line, in class order (default: the names the model file records).")
    var labels: String?

    @Option(parsing: .unconditional, help: "How many classes to print per image.")
    var top = 5

    @Option(parsing: .unconditional, help: "Shorter side after resizing, before the centre crop (default: model size × 256/224).")
    var resize: Int?

    @Option(parsing: .unconditional, help: "Per-channel mean to subtract, comma-separated (after scaling to 0…1).")
    var mean: String?

    @Option(parsing: .unconditional, help: "Per-channel standard deviation to divide by, comma-separated.")
    var std: String?

    @Option(parsing: .unconditional, help: "Largest image accepted, in pixels (default 2^28 = 268435456; at most 2^30).")
    var maxPixels = Image.defaultMaximumPixels

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func validate() throws {
        guard !images.isEmpty else { throw ValidationError("give at least one image") }
        guard top > 0 else { throw ValidationError("--top must be positive") }
        if let resize, resize <= 0 { throw ValidationError("--resize must be positive") }
        guard (1...(1 << 30)).contains(maxPixels) else { throw ValidationError("--max-pixels must lie between 1 and 1073741824, got \(maxPixels)") }
    }

    func run() throws {
        let network = try loadModelWarningIfNotFinite(model, weights: weights)
        guard network.inputShape.count == 3 else { throw ValidationError("\(model) does not take images") }
        var preprocessing = ImagePreprocessing.imageNet(size: Size2D(network.inputShape[0], network.inputShape[1]))
        if network.inputShape[2] == 1 { (preprocessing.mean, preprocessing.standardDeviation) = ([0], [1]) }
        if let resize { preprocessing.resizeShorterSide = resize }
        if let mean { preprocessing.mean = try Self.numbers(mean, "--mean") }
        if let std { preprocessing.standardDeviation = try Self.numbers(std, "--std") }
        let names = try labels.map {
            try LabelsFile.read(contentsOf: URL(fileURLWithPath: $0), classCount: try? network.outputClassCount(), of: "model \(network.name)")
        } ?? network.displayClassNames() ?? []
        let classifier = try ImageClassifier(model: network, preprocessing: preprocessing, labels: names)
        var results: [(String, [ImageClassifier.Prediction])] = []
        for path in try Self.expandingFolders(images) {
            let image = try Image.read(contentsOf: URL(fileURLWithPath: path), maximumPixels: maxPixels)
            results.append((path, try classifier.classify([image], top: top)[0]))
        }
        if json {
            struct Record: Encodable { var image: String; var predictions: [ImageClassifier.Prediction] }
            print(try encodeJSON(results.map { Record(image: $0.0, predictions: $0.1) }))
            return
        }
        for (path, predictions) in results {
            print(path)
            for (rank, p) in predictions.enumerated() {
                let name = p.label.map { "\($0) (class \(p.classIndex))" } ?? "class \(p.classIndex)"
                print(String(format: "  %d. %6.2f %%  ", rank + 1, p.probability * 100) + name)
            }
        }
    }

    /// The paths, each folder replaced by the image files under it.
    static func expandingFolders(_ paths: [String]) throws -> [String] {
        try paths.flatMap { path -> [String] in
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { return [path] }
            let files = Dataset.imageFiles(in: URL(fileURLWithPath: path)).map(\.path)
            guard !files.isEmpty else { throw ValidationError("the folder \(path) holds no PNG, PPM, PGM or JPEG images") }
            return files
        }
    }

    static func numbers(_ text: String, _ option: String) throws -> [Float] {
        let pieces = text.split(separator: ",")
        let values = pieces.compactMap { Float($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.count == pieces.count else {
            throw ValidationError("\(option) takes comma-separated numbers, got '\(text)'")
        }
        return values
    }
}

import ArgumentParser
import SepCNN

@main
struct SepCNNCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sepcnn",
        abstract: "Build, inspect and compare depthwise-separable CNNs.",
        discussion: "Built-in models:\n" + ModelZoo.catalogue,
        subcommands: [Demo.self, Summary.self, Compare.self, Train.self, Eval.self, Bench.self, Run.self, Predict.self, Convert.self, Quantize.self, Prune.self])
}

/// The options every command that builds a built-in model shares.
struct ModelArguments: ParsableArguments {
    @Argument(help: "A built-in model (see 'sepcnn --help'), e.g. mobilenet-v2 or mobilenet-v2-standard, or a model file, checkpoint or ONNX file.")
    var model: String

    @Option(help: "Width multiplier α (MobileNets only), e.g. 0.5.")
    var widthMultiplier: Double?

    @Option(help: "Input height and width in pixels.")
    var resolution: Int?

    @Option(help: "Number of classes.")
    var classes: Int?

    @Option(help: "A PyTorch state dict saved as .safetensors to load into the built-in model (SepCNN's or torchvision's names).")
    var weights: String?

    var options: ModelOptions {
        ModelOptions(widthMultiplier: widthMultiplier, resolution: resolution, classes: classes)
    }
}

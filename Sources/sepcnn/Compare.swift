import ArgumentParser
import SepCNN

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Standard against depthwise-separable convolution: parameters, MACs and measured time.",
        usage: "sepcnn compare [<model>] [<options>]",
        discussion: """
            With a model name, compares the built-in model with its standard-convolution twin. \
            Without one, compares a single K×K convolution C→M on an H×W input with its \
            depthwise + pointwise replacement (default: 3×3, 56×56×128 → 128, stride 1).

            Times are the median of --repetitions inference runs at batch 1 (through a compiled \
            plan, on SEPCNN_THREADS or all cores), after a warm-up.

              sepcnn compare mobilenet-v2 --resolution 160
              sepcnn compare --in 64 --out 128 --kernel 5 --stride 2
            """)

    @Argument(help: "A built-in model; omit it to compare a single layer.")
    var model: String?

    @Option(parsing: .unconditional, help: "Width multiplier α (MobileNets and fashion-sepcnn), e.g. 0.5.")
    var widthMultiplier: Double?

    @Option(parsing: .unconditional, help: "Input resolution of the model.")
    var resolution: Int?

    @Option(name: .customLong("in"), parsing: .unconditional, help: "Layer input channels C.")
    var inputChannels = 128

    @Option(name: .customLong("out"), parsing: .unconditional, help: "Layer output channels M.")
    var outputChannels = 128

    @Option(parsing: .unconditional, help: "Layer kernel size K.")
    var kernel = 3

    @Option(parsing: .unconditional, help: "Layer input height.")
    var height = 56

    @Option(parsing: .unconditional, help: "Layer input width.")
    var width = 56

    @Option(parsing: .unconditional, help: "Layer stride.")
    var stride = 1

    @Option(parsing: .unconditional, help: "Timed forward passes (0 skips timing).")
    var repetitions = 10

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func validate() throws {
        guard (0...1_000_000).contains(repetitions) else { throw ValidationError("--repetitions must lie between 0 and 1000000, got \(repetitions)") }
        if model != nil {
            let layerFlagsGiven = inputChannels != 128 || outputChannels != 128 || kernel != 3 || height != 56 || width != 56 || stride != 1
            if layerFlagsGiven { throw ValidationError("--in, --out, --kernel, --height, --width and --stride describe a single layer; drop them when comparing a model") }
        } else if widthMultiplier != nil || resolution != nil {
            throw ValidationError("--width-multiplier and --resolution apply to a model; name one")
        }
    }

    func run() throws {
        let timing = repetitions > 0 ? TimingOptions(warmup: 2, repetitions: repetitions) : nil
        if let model {
            let comparison = try ModelComparison(
                model: model, options: ModelOptions(widthMultiplier: widthMultiplier, resolution: resolution), timing: timing)
            print(json ? try encodeJSON(comparison) : comparison.table(), terminator: json ? "\n" : "")
        } else {
            let comparison = try LayerComparison(
                inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: kernel,
                height: height, width: width, stride: stride, timing: timing)
            print(json ? try encodeJSON(comparison) : comparison.table(), terminator: json ? "\n" : "")
        }
    }
}

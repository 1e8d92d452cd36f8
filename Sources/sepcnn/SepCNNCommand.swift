import ArgumentParser
import Foundation
import SepCNN

@main
struct SepCNNCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sepcnn",
        abstract: "Build, inspect and compare depthwise-separable CNNs.",
        discussion: "Built-in models (names in any case):\n" + ModelZoo.catalogue
            + "\n\nSee 'sepcnn help <subcommand>' for the options of each, e.g.:\n  sepcnn help bench",
        version: sepCNNVersion,
        subcommands: [Demo.self, Summary.self, Compare.self, Train.self, Distill.self, Eval.self, Bench.self, Run.self, Predict.self, Convert.self, Quantize.self, Prune.self, Compress.self])

    /// ArgumentParser's `main`, with three changes: an unknown command gets a suggestion, an invalid
    /// SEPCNN_THREADS is refused before any command runs, and an error a command throws once its
    /// arguments are parsed prints as `Error: message` alone, without the usage text (which is about
    /// arguments), a Foundation file error naming its file in plain words.
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        let commands = configuration.subcommands.map { $0._commandName } + ["help"]
        if let first = arguments.first, !first.hasPrefix("-"), !commands.contains(first) {
            fail("unknown command '\(first)'\(didYouMean(first, among: commands)); the commands are: \(commands.dropLast().joined(separator: ", ")) (see 'sepcnn --help')")
        }
        var command: ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            exit(withError: error)
        }
        do {
            _ = try ThreadPool.threadsFromEnvironment()
            try command.run()
        } catch let error as SepCNNError {
            fail(error.description)
        } catch let error as ValidationError {
            fail(error.message)
        } catch {
            if let message = fileErrorMessage(error) { fail(message) }
            exit(withError: error)
        }
    }

    private static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("Error: \(message)\n".utf8))
        Foundation.exit(EXIT_FAILURE)
    }
}

/// The options every command that builds a built-in model shares.
struct ModelArguments: ParsableArguments {
    @Argument(help: "A built-in model (see 'sepcnn --help'), e.g. mobilenet-v2 or mobilenet-v2-standard, or a model file, checkpoint or ONNX file.")
    var model: String

    @Option(parsing: .unconditional, help: "Width multiplier α (MobileNets and fashion-sepcnn), e.g. 0.5.")
    var widthMultiplier: Double?

    @Option(parsing: .unconditional, help: "Input height and width in pixels.")
    var resolution: Int?

    @Option(parsing: .unconditional, help: "Number of classes.")
    var classes: Int?

    @Option(help: "A PyTorch state dict saved as .safetensors to load into the built-in model (SepCNN's or torchvision's names).")
    var weights: String?

    var options: ModelOptions {
        ModelOptions(widthMultiplier: widthMultiplier, resolution: resolution, classes: classes)
    }
}

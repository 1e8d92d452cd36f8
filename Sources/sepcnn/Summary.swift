import ArgumentParser
import SepCNN

struct Summary: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a model's layers with output shapes, parameters and multiply-accumulates.",
        usage: "sepcnn summary <model> [<options>]")

    @OptionGroup var model: ModelArguments

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        let summary = try ModelSummary(loadModelWarningIfNotFinite(model.model, options: model.options, weights: model.weights))
        print(json ? try summary.json() : summary.table(), terminator: json ? "\n" : "")
    }
}

import Foundation

extension Model {
    /// The model a command-line argument names: a built-in model (`mobilenet-v2`, see `ModelZoo`)
    /// built with `options`, or the path of a model file (`.onnx`), which carries its own
    /// architecture and weights and so takes no options.
    public static func load(_ nameOrPath: String, options: ModelOptions = ModelOptions()) throws -> Model {
        guard nameOrPath.lowercased().hasSuffix(".onnx") else { return try ModelZoo.make(nameOrPath, options: options) }
        guard options == ModelOptions() else {
            throw SepCNNError.invalidArgument("width multiplier, resolution and classes apply to built-in models, not to the file \(nameOrPath)")
        }
        return try ONNXModel(contentsOf: URL(fileURLWithPath: nameOrPath)).model
    }
}

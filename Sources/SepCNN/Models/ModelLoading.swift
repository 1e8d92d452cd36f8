import Foundation

extension Model {
    /// The model a command-line argument names: a built-in model (`mobilenet-v2`, see `ModelZoo`)
    /// built with `options`, or the path of a model file — `.onnx` (imported) or `.safetensors`
    /// (saved by `ModelFile`, e.g. by `sepcnn train`) — which carries its own architecture and
    /// weights and so takes no options.
    public static func load(_ nameOrPath: String, options: ModelOptions = ModelOptions()) throws -> Model {
        let lowercased = nameOrPath.lowercased()
        let isONNX = lowercased.hasSuffix(".onnx"), isModelFile = lowercased.hasSuffix(".safetensors")
        guard isONNX || isModelFile else { return try ModelZoo.make(nameOrPath, options: options) }
        guard options == ModelOptions() else {
            throw SepCNNError.invalidArgument("width multiplier, resolution and classes apply to built-in models, not to the file \(nameOrPath)")
        }
        let url = URL(fileURLWithPath: nameOrPath)
        return isONNX ? try ONNXModel(contentsOf: url).model : try ModelFile.load(from: url)
    }
}

import Foundation

extension Model {
    /// The model a command-line argument names: a built-in model (`mobilenet-v2`, see `ModelZoo`)
    /// built with `options`, or the path of a model file — `.onnx` (imported) or `.safetensors`
    /// (saved by `ModelFile`, e.g. by `sepcnn train`) — which carries its own architecture and
    /// weights and so takes no options. `weights` names a PyTorch state dict saved as safetensors
    /// (see `ModelFile.loadStateDictionary`) to load into a built-in model.
    public static func load(_ nameOrPath: String, options: ModelOptions = ModelOptions(), weights: String? = nil) throws -> Model {
        let lowercased = nameOrPath.lowercased()
        let isONNX = lowercased.hasSuffix(".onnx"), isModelFile = lowercased.hasSuffix(".safetensors")
        guard isONNX || isModelFile else {
            let model = try ModelZoo.make(nameOrPath, options: options)
            if let weights { try ModelFile.loadStateDictionary(from: URL(fileURLWithPath: weights), into: model) }
            return model
        }
        guard weights == nil else {
            throw SepCNNError.invalidArgument("weights load into built-in models; the file \(nameOrPath) carries its own")
        }
        guard options == ModelOptions() else {
            throw SepCNNError.invalidArgument("width multiplier, resolution and classes apply to built-in models, not to the file \(nameOrPath)")
        }
        let url = URL(fileURLWithPath: nameOrPath)
        return isONNX ? try ONNXModel(contentsOf: url).model : try ModelFile.load(from: url)
    }
}

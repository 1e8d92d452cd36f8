import Foundation

extension Model {
    /// The model a command-line argument names: the path of a file SepCNN reads — a model file
    /// (`ModelFile`), a training checkpoint (`Checkpoint`) or an ONNX model, recognised by its
    /// content whatever its name — or else a built-in model (`mobilenet-v2`, see `ModelZoo`) made
    /// with `options`. Files carry their own architecture and weights and so take no options;
    /// `weights` names a PyTorch state dict saved as safetensors (see
    /// `ModelFile.loadStateDictionary`) to load into a built-in model.
    ///
    /// - Parameters:
    ///   - nameOrPath: a file's path, or a built-in model's name in any case.
    ///   - options: for a built-in model only: width multiplier, resolution, classes, input channels.
    ///   - weights: for a built-in model only: the path of a PyTorch state dict saved as safetensors,
    ///     under SepCNN's names or torchvision's.
    /// - Throws: ``SepCNNError`` naming the file for one that is missing or malformed, or options or
    ///   weights given with a file (it carries its own).
    public static func load(_ nameOrPath: String, options: ModelOptions = ModelOptions(), weights: String? = nil) throws -> Model {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: nameOrPath, isDirectory: &isDirectory), !isDirectory.boolValue else {
            if nameOrPath.contains("/") || nameOrPath.lowercased().hasSuffix(".onnx") || nameOrPath.lowercased().hasSuffix(".safetensors") {
                throw SepCNNError.invalidArgument("cannot read the model '\(nameOrPath)': no such file")
            }
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
        return try load(contentsOf: URL(fileURLWithPath: nameOrPath))
    }

    /// The model in a model file, a checkpoint or an ONNX file, told apart by their bytes.
    /// Throws, naming the file and what was expected, for anything else.
    ///
    /// - Parameter url: a `.safetensors` model file or checkpoint, or an ONNX file, whatever its name.
    public static func load(contentsOf url: URL) throws -> Model {
        guard FileManager.default.isReadableFile(atPath: url.path) else {
            throw SepCNNError.invalidArgument("cannot read the model '\(url.path)': no such file, or not readable")
        }
        if !ONNXModel.isONNXFile(atPath: url.path) {
            // A model file or checkpoint: its header is checked against its architecture before the tensors are read.
            let file = try SafetensorsFile(contentsOf: url, checking: ModelFile.checkTensorsFitArchitecture)
            do {
                if file.metadata[Checkpoint.trainingKey] != nil { return try Checkpoint(file).model }
                guard file.metadata[ModelFile.metadataKey] != nil else {
                    throw SepCNNError.invalidFile(
                        "a safetensors file without a SepCNN architecture (a PyTorch state dict?); load it into a built-in model with --weights")
                }
                return try ModelFile.model(from: file)
            } catch let error as SepCNNError {
                throw SepCNNError(error.kind, "\(url.path): \(error.message)", layerPath: error.layerPath)
            }
        }
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw SepCNNError.invalidArgument("cannot read the model '\(url.path)': \(fileErrorReason(error))")
        }
        do {
            return try ONNXModel(serializedData: data, name: url.deletingPathExtension().lastPathComponent,
                                 directory: url.deletingLastPathComponent()).model
        } catch let error as SepCNNError {
            throw SepCNNError(error.kind, "\(url.path): \(error.message)", layerPath: error.layerPath)
        }
    }
}

extension ONNXModel {
    /// Whether `path` names a file that `Model.load` reads as ONNX: one that exists and is not
    /// safetensors (a model file or checkpoint), whatever its name.
    public static func isONNXFile(atPath path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        // The header check needs the 8-byte length, the first byte of the JSON, and the file's size.
        guard let head = try? handle.read(upToCount: 9), let size = try? handle.seekToEnd() else { return false }
        return !SafetensorsFile.hasSafetensorsHeader(head, fileSize: Int(size))
    }
}

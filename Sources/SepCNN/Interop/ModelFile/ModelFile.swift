import Foundation

/// A model saved as one `.safetensors` file that PyTorch can load directly.
///
/// The `__metadata__` entry `architecture` holds the model's description as JSON
/// (`ModelDescription`, format version 2: name, input shape and every layer's type and settings),
/// from which `load` rebuilds any model — built in, built by hand, imported or reshaped — before
/// filling in its weights. Version-1 files, which name a built-in model and its options, still
/// load. The tensors are the model's parameters and buffers under PyTorch state-dict names and in
/// PyTorch layouts (see `Docs/model-files.md`), so `module.load_state_dict(
/// safetensors.torch.load_file(path))` works on the equivalent torch module, strict loading
/// included (BatchNorm's `num_batches_tracked` is written as I64 0).
public enum ModelFile {
    static let metadataKey = "architecture"
    /// The scales of an int8 weight `W` are stored as `W_scale` (the suffix ONNX QDQ files use).
    static let quantizationScaleSuffix = "_scale"

    /// The `__metadata__` entry from which `rebuildModel(from:availableFloats:)` makes `model` again (model files and
    /// checkpoints both carry it). Throws, naming the layer, for a layer that cannot be described.
    static func architectureMetadata(of model: Model) throws -> String {
        try model.modelDescription().json()
    }

    /// The freshly initialised model an `architecture` metadata entry describes, whose weights and
    /// buffers come from a file holding `availableFloats` of them: an architecture asking for far
    /// more is refused before anything is allocated. (A little more is left to the tensor checks,
    /// which name the tensor that is missing.)
    static func rebuildModel(from text: String, availableFloats: Int) throws -> Model {
        let room = architectureRoom(forFloats: availableFloats)
        let description = try ModelDescription(json: text, parameterLimit: room)
        let needed = try LayerRegistry.parameterCount(of: description.network)
        guard needed <= room else {
            throw SepCNNError.invalidFile("the architecture needs \(needed) weights, but the file holds only \(availableFloats)")
        }
        // The fresh weights are overwritten; a private generator leaves the global stream alone.
        return try Random.withSeed(0) { try Model(description) }
    }

    /// The most weights and buffers an architecture may ask of a file holding `floats` numbers: twice
    /// them, or 2²⁰ more, leaving a missing tensor to the tensor checks, which name it.
    static func architectureRoom(forFloats floats: Int) -> Int {
        max(2 * floats, floats + (1 << 20))
    }

    /// Writes `model` to `url` atomically. Throws, naming the layer, for a layer that cannot be described.
    public static func save(_ model: Model, to url: URL) throws {
        let architecture = try architectureMetadata(of: model)
        let entries = try stateDictionary(of: model).flatMap { binding -> [SafetensorsFile.Entry] in
            guard let parameter = binding.parameter else {
                return [SafetensorsFile.Entry(name: binding.name, tensor: try binding.toPyTorch(), dtype: .int64)]
            }
            guard let quantization = parameter.quantization, let q = parameter.quantizedValues else {
                return [SafetensorsFile.Entry(name: binding.name, tensor: try binding.toPyTorch(), dtype: .float32)]
            }
            // A quantized weight: its int8 values, and one scale per output channel beside them.
            let values = Tensor(uncheckedShape: parameter.shape, scalars: q.map(Float.init))
            return [SafetensorsFile.Entry(name: binding.name, tensor: try binding.toPyTorch(values), dtype: .int8),
                    SafetensorsFile.Entry(name: binding.name + quantizationScaleSuffix,
                                          tensor: Tensor(uncheckedShape: [quantization.scales.count], scalars: quantization.scales))]
        }
        try SafetensorsFile(entries: entries, metadata: [metadataKey: architecture]).write(to: url)
    }

    /// Reads a model written by `save` (or by PyTorch with the same names and metadata).
    /// Throws, naming the file, for a missing or unexpected tensor, a shape that does not fit,
    /// an unknown model or a malformed file.
    public static func load(from url: URL) throws -> Model {
        let file = try SafetensorsFile(contentsOf: url, checking: checkTensorsFitArchitecture)
        do { return try model(from: file) } catch let error as SepCNNError {
            throw SepCNNError(error.kind, "\(url.path): \(error.message)")
        }
    }

    static func model(from file: SafetensorsFile) throws -> Model {
        guard let text = file.metadata[metadataKey] else {
            throw SepCNNError.invalidFile("not a SepCNN model file: __metadata__ has no '\(metadataKey)' entry")
        }
        let model = try rebuildModel(from: text, availableFloats: file.entries.reduce(0) { $0 + $1.tensor.count })
        try assign(file, to: model, aliases: { _ in [] })
        return model
    }

    /// Loads the weights of a PyTorch state dict saved as safetensors (`safetensors.torch.save_file(
    /// module.state_dict(), path)`) into a built-in model: tensors under the names `save` writes, or
    /// under torchvision's names for models that have a torchvision twin (`mobilenet-v2` ←
    /// `torchvision.models.mobilenet_v2`). Every parameter must be present with its shape.
    public static func loadStateDictionary(from url: URL, into model: Model) throws {
        let file = try SafetensorsFile(contentsOf: url, checking: { _, tensors in try checkTensorsFit(tensors, model: model) })
        do {
            try assign(file, to: model, aliases: { TorchvisionNames.name(for: $0, in: model).map { [$0] } ?? [] })
        } catch let error as SepCNNError {
            throw SepCNNError(error.kind, "\(url.path): \(error.message)")
        }
    }

    /// Assigns every binding of `model` from the tensor of its name or of one of its `aliases`;
    /// throws for a missing, misshapen or unexpected tensor.
    static func assign(_ file: SafetensorsFile, to model: Model, aliases: (String) -> [String]) throws {
        let bindings = try stateDictionary(of: model)
        let tensors = Dictionary(file.entries.map { ($0.name, $0.tensor) }, uniquingKeysWith: { first, _ in first })
        let dtypes = Dictionary(file.entries.map { ($0.name, $0.dtype) }, uniquingKeysWith: { first, _ in first })
        var used = Set<String>()
        for binding in bindings {
            let candidates = [binding.name] + aliases(binding.name)
            guard let name = candidates.first(where: { tensors[$0] != nil }), let tensor = tensors[name] else {
                // num_batches_tracked only counts updates; PyTorch files without it are fine.
                if binding.parameter == nil { continue }
                throw SepCNNError.invalidFile("missing tensor '\(candidates.joined(separator: "' or '"))' for model \(model.name)")
            }
            used.insert(name)
            guard tensor.shape == binding.pytorchShape else {
                throw SepCNNError.shapeMismatch(
                    "tensor '\(name)' has shape \(describe(tensor.shape)); model \(model.name) needs \(describe(binding.pytorchShape))")
            }
            if let scales = tensors[name + quantizationScaleSuffix], let parameter = binding.parameter {
                used.insert(name + quantizationScaleSuffix)
                try assignQuantized(name: name, values: binding.fromPyTorch(tensor), dtype: dtypes[name], scales: scales, to: parameter)
            } else {
                guard dtypes[name] != .int8 else {
                    throw SepCNNError.invalidFile("int8 tensor '\(name)' has no '\(name + quantizationScaleSuffix)' scales beside it")
                }
                try binding.parameter?.assign(try binding.fromPyTorch(tensor))
            }
        }
        if let unexpected = file.entries.map(\.name).filter({ !used.contains($0) }).sorted().first {
            throw SepCNNError.invalidFile("unexpected tensor '\(unexpected)' for model \(model.name)")
        }
    }

    /// An int8 weight and its per-channel scales become the parameter's float value `scale · q`.
    private static func assignQuantized(name: String, values: Tensor, dtype: SafetensorsDType?, scales: Tensor,
                                        to parameter: Parameter) throws {
        guard dtype == .int8 else {
            throw SepCNNError.invalidFile("tensor '\(name)' has scales '\(name + quantizationScaleSuffix)' but is \(dtype?.rawValue ?? "missing"), not I8")
        }
        guard scales.rank == 1, scales.count > 0, values.count % scales.count == 0 else {
            throw SepCNNError.invalidFile("'\(name + quantizationScaleSuffix)' of shape \(describe(scales.shape)) does not give one scale per output channel of '\(name)' \(describe(values.shape))")
        }
        let quantization: WeightQuantization
        do { quantization = try WeightQuantization(scales: scales.scalars) } catch let error as SepCNNError {
            throw SepCNNError.invalidFile("'\(name + quantizationScaleSuffix)': \(error.message)")
        }
        try parameter.assign(Tensor(uncheckedShape: values.shape, scalars: quantization.dequantize(values.scalars.map { Int8($0) })))
        parameter.quantization = quantization
    }
}

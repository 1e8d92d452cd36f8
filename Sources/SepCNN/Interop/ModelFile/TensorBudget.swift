/// Tensors checked against the model before their bytes are copied: a model file, checkpoint or
/// state dict may hold no more numbers than the model it describes can use, so a file padded with
/// a huge unexpected tensor is refused at the cost of reading its header (issue 17: a 4 GiB tensor
/// in a model file peaked at 8.2 GB before the file was rejected). Names and shapes are checked
/// one by one once the tensors are read; by then their total is bounded by the model's size.
extension ModelFile {
    /// For `SafetensorsFile(contentsOf:checking:)`: the model file's or checkpoint's tensors against
    /// the architecture in its metadata. A file without one passes (it is refused, or loaded into a
    /// given model, later).
    static func checkTensorsFitArchitecture(_ metadata: [String: String], _ tensors: [SafetensorsLayout]) throws {
        guard let text = metadata[metadataKey] else { return }
        // 2¹⁶ tensors of at most 2³² elements: no overflow. A version-1 entry may not claim more than
        // rebuildModel(from:availableFloats:) will allow.
        let room = architectureRoom(forFloats: tensors.reduce(0) { $0 + $1.shape.reduce(1, *) })
        let needed = try LayerRegistry.parameterCount(of: try ModelDescription(json: text, parameterLimit: room).network)
        guard metadata[Checkpoint.trainingKey] != nil else {
            return try requireTensors(tensors, fitIn: needed, "weights and buffers", of: "its architecture")
        }
        // A checkpoint: the model's tensors, then at most two optimizer buffers per weight (Adam's moments).
        try requireTensors(tensors.filter { $0.name.hasPrefix("model.") }, fitIn: needed, "weights and buffers", of: "its architecture")
        try requireTensors(tensors.filter { !$0.name.hasPrefix("model.") }, fitIn: needed.multipliedReportingOverflow(by: 2).overflow ? Int.max : 2 * needed,
                           "optimizer buffers", of: "the optimizer of its architecture")
    }

    /// For a state dict loaded into `model`: its tensors against the model's weights and buffers.
    static func checkTensorsFit(_ tensors: [SafetensorsLayout], model: Model) throws {
        let needed = model.namedParameters().reduce(0) { $0 + $1.parameter.value.count }
        try requireTensors(tensors, fitIn: needed, "weights and buffers", of: "model \(model.name)")
    }

    /// Throws unless `tensors` hold at most twice `budget` numbers (or `budget` and 2²⁰ more), plus
    /// one a tensor (BatchNorm's `num_batches_tracked`, which PyTorch files carry and SepCNN does not
    /// count). The slack leaves a misshapen tensor to the per-tensor checks, whose message names it,
    /// while a file far larger than its model is refused here; memory stays within three times the model.
    private static func requireTensors(_ tensors: [SafetensorsLayout], fitIn budget: Int, _ what: String, of owner: String) throws {
        // At most 2¹⁶ tensors of at most 2³² elements each: the sum cannot overflow.
        let total = tensors.reduce(0) { $0 + $1.shape.reduce(1, *) }
        // The budget itself may be near Int.max: a description claiming a kernel 2⁶² wide (found by
        // Scripts/robustness_probe.sh: `sepcnn run` on such a model file trapped here).
        let slack = max(budget, 1 << 20).addingReportingOverflow(tensors.count)
        let allowed = slack.overflow || budget > Int.max - slack.partialValue ? Int.max : budget + slack.partialValue
        guard total <= allowed else {
            let largest = tensors.max { $0.shape.reduce(1, *) < $1.shape.reduce(1, *) }!
            throw SepCNNError.invalidFile(
                "the file's \(what) hold \(total) numbers, more than the \(allowed) \(owner) has room for "
                    + "(the largest tensor is '\(largest.name)' of shape \(describe(largest.shape))); nothing was loaded")
        }
    }
}

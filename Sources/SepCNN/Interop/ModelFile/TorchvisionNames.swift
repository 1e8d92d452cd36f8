/// torchvision's state-dict names for the built-in models that have a torchvision twin, so that a
/// `torchvision.models.mobilenet_v2(...).state_dict()` saved as safetensors loads into `mobilenet-v2`.
///
/// Both networks have the same layers in the same order; only the module paths differ:
///
///     SepCNN (as ModelFile writes it)        torchvision
///     features.0.conv / .bn                  features.0.0 / .1
///     features.1.depthwise.conv / .bn        features.1.conv.0.0 / .0.1      (the block without expansion)
///     features.1.project.conv / .bn          features.1.conv.1 / .2
///     features.N.expand.conv / .bn           features.N.conv.0.0 / .0.1
///     features.N.depthwise.conv / .bn        features.N.conv.1.0 / .1.1
///     features.N.project.conv / .bn          features.N.conv.2 / .3
///     features.18.conv / .bn                 features.18.0 / .1
///     classifier                             classifier.1                    (classifier.0 is the dropout)
enum TorchvisionNames {
    /// torchvision's name for the state-dict entry SepCNN calls `name`, or nil if `model` has no twin.
    static func name(for name: String, in model: Model) -> String? {
        guard model.name == "mobilenet-v2" else { return nil }
        var parts = name.split(separator: ".").map(String.init)
        guard parts.count >= 2 else { return nil }
        if parts[0] == "classifier" { return (["classifier", "1"] + parts.dropFirst()).joined(separator: ".") }
        guard parts[0] == "features", parts.count >= 4 else { return nil }
        let unit = parts[2], tail = parts.dropFirst(3)
        let replacement: [String]
        switch (unit, parts.count >= 5 ? parts[3] : "") {
        case ("conv", _): replacement = ["0"]
        case ("bn", _): replacement = ["1"]
        default:
            // An inverted-residual block: which of its units, and whether the block expands first.
            let expands = model.namedParameters().contains { $0.name.hasPrefix("features.\(parts[1]).expand.") }
            let layer = parts[3]
            let position: [String]
            switch (unit, layer, expands) {
            case ("expand", "conv", _): position = ["0", "0"]
            case ("expand", "bn", _): position = ["0", "1"]
            case ("depthwise", "conv", false): position = ["0", "0"]
            case ("depthwise", "bn", false): position = ["0", "1"]
            case ("depthwise", "conv", true): position = ["1", "0"]
            case ("depthwise", "bn", true): position = ["1", "1"]
            case ("project", "conv", false): position = ["1"]
            case ("project", "bn", false): position = ["2"]
            case ("project", "conv", true): position = ["2"]
            case ("project", "bn", true): position = ["3"]
            default: return nil
            }
            return (["features", parts[1], "conv"] + position + parts.dropFirst(4)).joined(separator: ".")
        }
        parts = ["features", parts[1]] + replacement + tail
        return parts.joined(separator: ".")
    }
}

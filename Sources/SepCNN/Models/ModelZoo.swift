/// Options a built-in model may take. Unset values take the model's defaults.
public struct ModelOptions: Sendable, Equatable, Codable {
    /// Scales every layer's channel count (MobileNet's α). 1 is the published network.
    public var widthMultiplier: Double?
    /// Input height and width in pixels.
    public var resolution: Int?
    public var classes: Int?
    /// Input channels: 1 for gray images, 3 for colour; nil is the model's own (recorded only
    /// when it differs, so a default model's description is unchanged).
    public var inputChannels: Int?

    /// Every option left nil takes the model's own value, so `ModelOptions()` is the published network.
    ///
    /// - Parameters:
    ///   - widthMultiplier: scales every layer's channel count, in (0, 8] (MobileNet's α, Keras's
    ///     `alpha`, torchvision's `width_mult`); 0.5 has about a quarter of the MACs. Only models with a
    ///     width multiplier take it.
    ///   - resolution: input height and width in pixels (224 for the MobileNets, 28 for `fashion-sepcnn`);
    ///     at least what the model's downsampling needs, at most 4096.
    ///   - classes: outputs of the final classifier, 1 to 1,000,000 (Keras's `classes`,
    ///     torchvision's `num_classes`).
    ///   - inputChannels: 1 for gray images, 3 for colour; nil is the model's own.
    public init(widthMultiplier: Double? = nil, resolution: Int? = nil, classes: Int? = nil, inputChannels: Int? = nil) {
        self.widthMultiplier = widthMultiplier
        self.resolution = resolution
        self.classes = classes
        self.inputChannels = inputChannels
    }
}

/// The built-in models by name. Every `NAME` also exists as `NAME-standard`, its
/// standard-convolution twin (see `ConvolutionStyle`).
public enum ModelZoo {
    struct Entry: Sendable {
        let name: String
        let about: String
        let resolution: Int
        let classes: Int
        let channels: Int
        let hasWidthMultiplier: Bool
        /// Smallest resolution the network's downsampling admits.
        let minimumResolution: Int
        /// Resolution must be a multiple of this (2 for the examples' MaxPool, which floors).
        let resolutionStep: Int
        let build: @Sendable (ConvolutionStyle, _ inputChannels: Int, _ width: Double, _ resolution: Int, _ classes: Int) throws -> Sequential
    }

    static let entries: [Entry] = [
        Entry(name: "sepcnn-example", about: "the source documents' SepCNN (PyTorch form), 32×32×3, 10 classes",
              resolution: 32, classes: 10, channels: 3, hasWidthMultiplier: false, minimumResolution: 2, resolutionStep: 2,
              build: { style, inputs, _, resolution, classes in try exampleSepCNN(style: style, inputChannels: inputs, resolution: resolution, classes: classes) }),
        Entry(name: "sepcnn-example-keras", about: "the same SepCNN as Keras writes it, with softmax output",
              resolution: 32, classes: 10, channels: 3, hasWidthMultiplier: false, minimumResolution: 2, resolutionStep: 2,
              build: { style, inputs, _, resolution, classes in try exampleSepCNNKeras(style: style, inputChannels: inputs, resolution: resolution, classes: classes) }),
        Entry(name: "fashion-sepcnn", about: "a small SepCNN for Fashion-MNIST, 28×28×1, 10 classes (13,204 parameters)",
              resolution: 28, classes: 10, channels: 1, hasWidthMultiplier: true, minimumResolution: 4, resolutionStep: 1,
              build: { style, inputs, width, _, classes in
                  try fashionSepCNN(style: style, channels: inputs, widthMultiplier: width, classes: classes) }),
        Entry(name: "mobilenet-v1", about: "MobileNetV1 (Keras form), 224×224×3, 1000 classes",
              resolution: 224, classes: 1000, channels: 3, hasWidthMultiplier: true, minimumResolution: 32, resolutionStep: 1,
              build: { style, inputs, width, _, classes in try mobileNetV1(style: style, inputChannels: inputs, widthMultiplier: width, classes: classes) }),
        Entry(name: "mobilenet-v2", about: "MobileNetV2 (torchvision form), 224×224×3, 1000 classes",
              resolution: 224, classes: 1000, channels: 3, hasWidthMultiplier: true, minimumResolution: 32, resolutionStep: 1,
              build: { style, inputs, width, _, classes in try mobileNetV2(style: style, inputChannels: inputs, widthMultiplier: width, classes: classes) }),
    ]

    static let standardSuffix = "-standard"

    /// Every built-in model name, twins included.
    public static var names: [String] { entries.flatMap { [$0.name, $0.name + standardSuffix] } }

    /// One line per built-in model, for help texts.
    public static var catalogue: String {
        entries.map { "\($0.name) (and \($0.name)\(standardSuffix)): \($0.about)" }.joined(separator: "\n")
    }

    /// The built-in name `name` spells in any case (`MobileNet-V2` → `mobilenet-v2`); nil if none.
    public static func canonicalName(_ name: String) -> String? {
        names.first { $0.lowercased() == name.lowercased() }
    }

    /// The smallest input resolution the named model's downsampling admits (1 for unknown names).
    public static func minimumResolution(of name: String) -> Int {
        let name = canonicalName(name) ?? name
        let baseName = name.hasSuffix(standardSuffix) ? String(name.dropLast(standardSuffix.count)) : name
        guard let entry = entries.first(where: { $0.name == baseName }) else { return 1 }
        let step = entry.resolutionStep
        return (entry.minimumResolution + step - 1) / step * step
    }

    /// The named model's own input resolution (224 for the MobileNets), nil for unknown names.
    public static func defaultResolution(of name: String) -> Int? {
        let baseName = name.hasSuffix(standardSuffix) ? String(name.dropLast(standardSuffix.count)) : name
        return entries.first(where: { $0.name == baseName })?.resolution
    }

    /// Builds the named model with fresh weights drawn from the library-wide generator (`Random.seed`).
    /// Names match in any case; the model takes the name as listed in `names`.
    ///
    /// - Parameters:
    ///   - name: one of ``names``: `fashion-sepcnn`, `mobilenet-v1`, `mobilenet-v2`,
    ///     `sepcnn-example`, `sepcnn-example-keras`, or any of them with `-standard` appended for the
    ///     twin with standard convolutions.
    ///   - options: width multiplier, resolution, classes and input channels (default: the model's own).
    /// - Throws: ``SepCNNError`` for an unknown name (suggesting the nearest), or an option the model
    ///   does not take or out of its range.
    public static func make(_ name: String, options: ModelOptions = ModelOptions()) throws -> Model {
        guard let name = canonicalName(name) else {
            throw SepCNNError.invalidArgument("unknown model '\(name)'\(didYouMean(name, among: names)); built-in models are: \(names.joined(separator: ", "))")
        }
        let style: ConvolutionStyle = name.hasSuffix(standardSuffix) ? .standard : .separable
        let baseName = style == .standard ? String(name.dropLast(standardSuffix.count)) : name
        guard let entry = entries.first(where: { $0.name == baseName }) else {
            throw SepCNNError.invalidArgument("unknown model '\(name)'; built-in models are: \(names.joined(separator: ", "))")
        }
        let width = options.widthMultiplier ?? 1
        let resolution = options.resolution ?? entry.resolution
        let classes = options.classes ?? entry.classes
        if options.widthMultiplier != nil && !entry.hasWidthMultiplier {
            throw SepCNNError.invalidArgument("model '\(name)' has no width multiplier")
        }
        guard width > 0, width <= 8, width.isFinite else {
            throw SepCNNError.invalidArgument("width multiplier must lie in (0, 8], got \(width)")
        }
        guard resolution >= entry.minimumResolution, resolution <= 4096, resolution % entry.resolutionStep == 0 else {
            let step = entry.resolutionStep > 1 ? ", a multiple of \(entry.resolutionStep)," : ""
            throw SepCNNError.invalidArgument(
                "model '\(name)' needs a resolution\(step) between \(entry.minimumResolution) and 4096, got \(resolution)")
        }
        guard classes > 0, classes <= 1_000_000 else {
            throw SepCNNError.invalidArgument("the class count must lie between 1 and 1000000, got \(classes)")
        }
        let channels = options.inputChannels ?? entry.channels
        guard channels == 1 || channels == 3 else {
            throw SepCNNError.invalidArgument("a built-in model takes 1 (gray) or 3 (colour) input channels, not \(channels)")
        }
        let network = try entry.build(style, channels, width, resolution, classes)
        let resolved = ModelOptions(widthMultiplier: entry.hasWidthMultiplier ? width : nil, resolution: resolution, classes: classes,
                                    inputChannels: channels == entry.channels ? nil : channels)
        let model = Model(name: name, inputShape: [resolution, resolution, channels], network: network, options: resolved)
        _ = try model.trace()  // every shape fits, or this names the layer that does not
        return model
    }
}

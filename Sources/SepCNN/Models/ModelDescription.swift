import Foundation

/// A model as data: its name, the per-image input shape and the network's description — what a
/// model file or checkpoint stores in `__metadata__["architecture"]` beside the weights (format
/// version 2; see `Docs/model-files.md`).
public struct ModelDescription: Codable, Equatable, Sendable {
    public var format = ModelDescription.format
    public var version = ModelDescription.currentVersion
    public var name: String
    /// `[height, width, channels]`.
    public var inputShape: [Int]
    /// The options a built-in model was made with; empty for other models. Kept for summaries:
    /// loading rebuilds the network from `network` alone.
    public var options: ModelOptions
    public var network: LayerDescription
    /// The output classes' names, by index; absent when the model was never given them.
    public var classNames: [String]?

    static let format = "sepcnn-model"
    static let currentVersion = 2

    /// - Parameters:
    ///   - name: the model's name.
    ///   - inputShape: one image's shape, `[height, width, channels]`.
    ///   - options: the options a built-in model was made with (default: none).
    ///   - network: the network's description (``Layer/layerDescription()`` of the network).
    ///   - classNames: the output classes' names by index, or nil (the default).
    public init(name: String, inputShape: [Int], options: ModelOptions = ModelOptions(), network: LayerDescription, classNames: [String]? = nil) {
        self.name = name
        self.inputShape = inputShape
        self.options = options
        self.network = network
        self.classNames = classNames
    }

    /// The description as stored in a file: compact JSON with sorted keys, the same bytes for the same model.
    public func json() throws -> String {
        String(decoding: try JSONValue.encoder.encode(self), as: UTF8.self)
    }

    /// Reads a stored architecture: this format's version 2, or version 1, which names a built-in
    /// model and its options. Throws for anything else, saying what was found.
    ///
    /// - Parameters:
    ///   - text: the JSON of ``json()``, as a model file's `architecture` metadata holds it.
    ///   - parameterLimit: the most weights and buffers the described model may have (default: no limit).
    ///     Only version 1 needs it here, since its built-in model is built to be described: the classifier's
    ///     size, up to 10⁶ classes, is checked against it first. Version 2's count is checked by the caller.
    /// - Throws: ``SepCNNError`` for malformed JSON, another format, an unknown version, or a version-1
    ///   model over `parameterLimit`.
    public init(json text: String, parameterLimit: Int = .max) throws {
        struct Header: Decodable { var format: String?; var version: Int? }
        struct Version1: Decodable { var model: String; var options: ModelOptions }
        let data = Data(text.utf8)
        guard let header = try? JSONValue.decoder.decode(Header.self, from: data) else {
            throw SepCNNError.invalidFile("the architecture description is not a JSON object: \(text.prefix(200))")
        }
        guard header.format == Self.format, let version = header.version else {
            throw SepCNNError.invalidFile("the architecture description is not of format '\(Self.format)' (found format '\(header.format ?? "none")')")
        }
        do {
            switch version {
            case 1:
                let old = try JSONValue.decoder.decode(Version1.self, from: data)
                try Self.requireVersion1(old.model, old.options, within: parameterLimit)
                let model = try Random.withSeed(0) { try ModelZoo.make(old.model, options: old.options) }
                self = try model.modelDescription()
            case Self.currentVersion:
                self = try JSONValue.decoder.decode(Self.self, from: data)
            default:
                throw SepCNNError.invalidFile(
                    "architecture format version \(version) is newer than this SepCNN reads (1 to \(Self.currentVersion)); update SepCNN")
            }
        } catch let error as DecodingError {
            throw SepCNNError.invalidFile("the architecture description is not valid: \(describeDecodingError(error))")
        }
    }
}

extension ModelDescription {
    /// Throws if the built-in model `name` with `options` would hold more than `limit` weights and
    /// buffers, counted on the model built with one class: only the classifier grows with the classes
    /// (a 100-byte entry asking for 10⁶ classes would otherwise allocate gigabytes before any check).
    /// Other options are bounded where ModelZoo reads them (width multiplier ≤ 8, resolution ≤ 4096).
    private static func requireVersion1(_ name: String, _ options: ModelOptions, within limit: Int) throws {
        guard limit < .max, let classes = options.classes, classes > 1 else { return }
        var one = options
        one.classes = 1
        let small = try Random.withSeed(0) { try ModelZoo.make(name, options: one) }
        let counted = try LayerRegistry.parameterCount(of: try small.network.layerDescription())
        let features = (small.network.namedLayers().last { $0.layer is Dense }?.layer as? Dense)?.inputFeatures ?? 0
        let (growth, overflow) = (features + 1).multipliedReportingOverflow(by: classes - 1)
        guard !overflow, counted <= limit, growth <= limit - counted else {
            throw SepCNNError.invalidFile(
                "the architecture (version 1: \(name) with \(classes) classes) needs more than the \(limit) weights the file has room for")
        }
    }
}

extension Model {
    /// The model's architecture as data (no weights). Throws, naming the layer, for a layer that
    /// cannot be described.
    public func modelDescription() throws -> ModelDescription {
        ModelDescription(name: name, inputShape: inputShape, options: options, network: try network.layerDescription(), classNames: classNames)
    }

    /// The model `description` describes, with fresh weights drawn from the library-wide generator.
    /// Throws, naming the layer, for an unknown layer type, bad settings or shapes that do not fit.
    ///
    /// - Parameter description: the architecture; its layer types must be registered (every built-in
    ///   layer is; see ``LayerRegistry``). Seed `Random.withSeed(_:_:)` around this call for repeatable
    ///   weights, or load weights into the result afterwards.
    public convenience init(_ description: ModelDescription) throws {
        guard description.inputShape.count == 3, description.inputShape.allSatisfy({ (1...65536).contains($0) }) else {
            throw SepCNNError.invalidFile("the input shape \(describe(description.inputShape)) is not [height, width, channels]")
        }
        let network = try LayerRegistry.makeLayer(from: description.network)
        self.init(name: description.name, inputShape: description.inputShape, network: network, options: description.options)
        _ = try trace()  // every shape fits, or this names the layer that does not
        if let names = description.classNames { try setClassNames(names) }
    }
}

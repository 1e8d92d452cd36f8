/// Transfer learning as Keras and PyTorch users do it: a new classifier on a trained network,
/// a frozen backbone, another input size. Each returns or changes a model that saves, loads and
/// trains like any other, because the new architecture is made from the old one's description.
extension Model {
    /// The path of the final classifier: the last `Dense` layer in execution order (an imported
    /// graph's last Gemm). Throws if the model has none.
    public func classifierPath() throws -> String {
        guard let last = network.namedLayers().last(where: { $0.layer is Dense }) else {
            throw SepCNNError.invalidArgument("model \(name) has no Dense (Gemm) layer to serve as its classifier")
        }
        return last.name
    }

    /// This model with its final classifier replaced by a freshly initialised one of `classes`
    /// outputs (drawn from the library-wide generator); every other weight is kept. Layers after
    /// the classifier (a softmax, say) stay as they are.
    public func replacingClassifier(classes: Int) throws -> Model {
        guard (1...1_000_000).contains(classes) else {
            throw SepCNNError.invalidArgument("the class count must lie between 1 and 1000000, got \(classes)")
        }
        let path = try classifierPath()
        var description = try modelDescription()
        try description.network.update(at: path.isEmpty ? [] : path.split(separator: ".").map(String.init)) { layer in
            var dense = try layer.configuration(as: Dense.Configuration.self)
            dense.outputFeatures = classes
            layer.configuration = try JSONValue(encoding: dense)
        }
        description.options.classes = options.classes.map { _ in classes }
        let replaced = try Model(description)
        let prefix = path.isEmpty ? "" : path + "."
        let kept = Dictionary(namedParameters().map { ($0.name, $0.parameter) }, uniquingKeysWith: { first, _ in first })
        for (name, parameter) in replaced.namedParameters() where !name.hasPrefix(prefix) || name.dropFirst(prefix.count).contains(".") {
            guard let old = kept[name] else { throw SepCNNError.invalidArgument("internal: '\(name)' is new outside the classifier") }
            try parameter.assign(old.value)
        }
        return replaced
    }

    /// Freezes every weight outside the final classifier (Keras's `base_model.trainable = False`):
    /// only the classifier trains, and the backbone's BatchNorm keeps its running statistics.
    public func freezeBackbone() throws {
        let path = try classifierPath()
        for (name, layer) in network.namedLayers() where name != path {
            for (_, parameter) in layer.ownParameters { parameter.isFrozen = true }
        }
    }

    /// The same network and weights for images of `inputShape` (`[height, width, channels]`).
    /// Throws, naming the layer, if a layer's shapes do not allow it (a Flatten feeding a Dense).
    public func withInputShape(_ inputShape: [Int]) throws -> Model {
        var resized = options
        if resized.resolution != nil, inputShape[0] == inputShape[1] { resized.resolution = inputShape[0] }
        let model = Model(name: name, inputShape: inputShape, network: network, options: resized)
        _ = try model.trace()
        return model
    }
}

extension LayerDescription {
    /// Applies `change` to the descendant at `path` (child names from here).
    mutating func update(at path: [String], _ change: (inout LayerDescription) throws -> Void) throws {
        guard let first = path.first else { return try change(&self) }
        guard let index = children.firstIndex(where: { $0.name == first }) else {
            throw SepCNNError.invalidArgument("no layer '\(first)' in \(type)")
        }
        try children[index].layer.update(at: Array(path.dropFirst()), change)
    }
}

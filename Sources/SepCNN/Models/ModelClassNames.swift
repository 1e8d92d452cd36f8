extension Model {
    /// The longest class name a model file records.
    public static let maximumClassNameLength = 1000

    /// How many classes the model's output scores: the last dimension of its output.
    public func outputClassCount() throws -> Int {
        try network.outputShape(for: [1] + inputShape).last ?? 0
    }

    /// Records the output classes' names; throws unless there is one per output class, each
    /// non-empty, so a saved file can never name classes the model does not have.
    public func setClassNames(_ names: [String]) throws {
        let classes = try outputClassCount()
        guard names.count == classes else {
            throw SepCNNError.invalidArgument("model \(name) has \(classes) output classes but \(names.count) class names were given")
        }
        if let empty = names.firstIndex(where: { $0.isEmpty || $0.count > Self.maximumClassNameLength }) {
            throw SepCNNError.invalidArgument("class name \(empty) is empty or longer than \(Self.maximumClassNameLength) characters")
        }
        classNames = names
    }

    /// The names to print for the model's classes: its own, else ImageNet's for a 1,000-class
    /// model (the built-in MobileNets and torchvision's, ONNX Model Zoo's and Keras's classifiers
    /// all score ImageNet-1k), else nil.
    public func displayClassNames() -> [String]? {
        if let classNames { return classNames }
        return (try? outputClassCount()) == imageNetClassNames.count ? imageNetClassNames : nil
    }
}

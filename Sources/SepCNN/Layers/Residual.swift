/// `body(x) + shortcut(x)`: a residual connection (ResNet; MobileNetV2's inverted residual).
///
/// The body's layers are this layer's children directly, so a block's parameters read
/// `features.3.expand.conv.weight` rather than `features.3.body.…`. Without a shortcut layer the
/// input is added as it is. The two branches must produce the same shape.
public final class Residual: Layer {
    public let body: Sequential
    public let shortcut: (any Layer)?
    let addition = Add()

    /// - Parameters:
    ///   - body: the main branch. Its layers become this layer's children directly, so none may be
    ///     called `shortcut` (a precondition).
    ///   - shortcut: the layer on the skip branch, such as a 1×1 convolution that matches the body's
    ///     channels or stride (ResNet's projection); nil (the default) adds the input as it is.
    public init(_ body: Sequential, shortcut: (any Layer)? = nil) {
        precondition(!body.layers.contains { $0.name == "shortcut" }, "Residual: a body layer may not be called 'shortcut'")
        self.body = body
        self.shortcut = shortcut
    }

    public var children: [(name: String, layer: any Layer)] {
        body.layers + (shortcut.map { [("shortcut", $0)] } ?? [])
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        let main = try body.outputShape(for: inputShape)
        let skip = try shortcut.map { layer in try within("shortcut") { try layer.outputShape(for: inputShape) } } ?? inputShape
        return try addition.outputShape(main, skip)
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        let main = try body.forward(input, training: training)
        let skip = try shortcut.map { layer in try within("shortcut") { try layer.forward(input, training: training) } } ?? input
        return try addition(main, skip)
    }

    public func trace(name: String, inputShape: [Int], into records: inout [LayerRecord]) throws -> [Int] {
        let main = try body.trace(name: name, inputShape: inputShape, into: &records)
        var skip = inputShape
        if let shortcut {
            skip = try within("shortcut") { try shortcut.trace(name: "\(name).shortcut", inputShape: inputShape, into: &records) }
        }
        let output = try addition.outputShape(main, skip)
        records.append(LayerRecord(name: "\(name).add", layer: addition, inputShape: main, outputShape: output))
        return output
    }

    public func forwardWithPullback(_ input: Tensor, training: Bool) throws -> (output: Tensor, pullback: Pullback) {
        let (main, bodyBack) = try body.forwardWithPullback(input, training: training)
        var skip = input
        var shortcutBack: Pullback?
        if let shortcut {
            (skip, shortcutBack) = try within("shortcut") { try shortcut.forwardWithPullback(input, training: training) }
        }
        let output = try addition(main, skip)
        return (output, { gradOutput in
            try requireGradientShape(gradOutput, output.shape, "Residual")
            var gradInput = try bodyBack(gradOutput)
            let gradSkip = try shortcutBack.map { back in try within("shortcut") { try back(gradOutput) } } ?? gradOutput
            gradInput.withMutablePointer { dx in gradSkip.withPointer { ds in addInPlace(dx, ds, count: gradSkip.count) } }
            return gradInput
        })
    }
}

/// The elementwise sum at the end of a residual block; it appears in summaries as `Add`.
final class Add: Layer {
    func outputShape(_ a: [Int], _ b: [Int]) throws -> [Int] {
        guard a == b else {
            throw SepCNNError.shapeMismatch("Residual: the body's output \(describe(a)) and the shortcut's \(describe(b)) must have the same shape to be added")
        }
        return a
    }

    func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }

    func forward(_ input: Tensor, training: Bool) throws -> Tensor { input }

    func callAsFunction(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        try BinaryOperator(.add, outputShape(a.shape, b.shape), b.shape)(a, b)
    }
}

extension Residual: LowerableLayer {
    func lower(into builder: inout PlanBuilder, input: Int, label: String) throws -> Int {
        try lower(into: &builder, input: input, label: label, outputQuantization: nil)
    }
}

extension Residual: DescribableLayer {
    public var configuration: EmptyConfiguration { EmptyConfiguration() }

    /// The children are the body's layers, then the shortcut if it has one (as `children` lists them).
    ///
    /// - Parameters:
    ///   - configuration: empty: a residual block has no settings.
    ///   - children: the body's layers, then a child named `shortcut` if the block has one.
    /// - Throws: ``SepCNNError`` for duplicate or dotted names, or a `shortcut` that is not last.
    public convenience init(configuration: EmptyConfiguration, children: [(name: String, layer: any Layer)]) throws {
        let body = children.filter { $0.name != "shortcut" }
        try Sequential.requireChildNames(body.map(\.name))
        guard children.dropLast().allSatisfy({ $0.name != "shortcut" }) else {
            throw SepCNNError.invalidFile("Residual: the shortcut must be the last child")
        }
        self.init(Sequential(named: body.map { ($0.name, $0.layer) }), shortcut: children.last { $0.name == "shortcut" }?.layer)
    }
}

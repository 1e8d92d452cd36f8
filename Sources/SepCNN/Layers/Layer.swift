/// A building block of a network: it maps an NHWC tensor (or `[batch, features]` after `Flatten`)
/// to another, owns named parameters, and may contain named sub-layers.
///
/// Layers are reference types, like PyTorch modules: a model holds them, training updates their
/// parameters in place. Shapes are checked before any computation; a mismatch throws a
/// `SepCNNError` naming the layer and the shapes involved.
public protocol Layer: AnyObject {
    /// The name shown in summaries, e.g. `DepthwiseConv2D`.
    var typeName: String { get }
    /// The parameters and buffers this layer owns itself, with local names, in a stable order.
    var ownParameters: [(name: String, parameter: Parameter)] { get }
    /// Sub-layers with local names, in execution order.
    var children: [(name: String, layer: any Layer)] { get }
    /// The output shape for an input of `inputShape`; throws if the input does not fit.
    func outputShape(for inputShape: [Int]) throws -> [Int]
    /// Computes the layer. `training` selects batch statistics in BatchNorm and active dropout.
    func forward(_ input: Tensor, training: Bool) throws -> Tensor
    /// Multiply-accumulates of this layer's own computation (not its children's) for `inputShape`.
    /// Following Keras/torchinfo conventions, only convolutions and dense layers count.
    func macs(for inputShape: [Int]) -> Int
    /// Appends one record per elementary operation in execution order, with its input and output
    /// shape, and returns the output shape. Containers describe their children; leaves themselves.
    func trace(name: String, inputShape: [Int], into records: inout [LayerRecord]) throws -> [Int]

    /// The gradient of a layer's input given the gradient of its output; adds parameter gradients into each
    /// trainable `Parameter.gradient` (creating it as zeros if nil), as PyTorch accumulates `.grad`.
    typealias Pullback = (Tensor) throws -> Tensor

    /// Runs the layer like `forward(_:training:)` and returns, with the output, its pullback. The pullback captures
    /// what it needs (input, masks, batch statistics); calling it more than once accumulates again.
    func forwardWithPullback(_ input: Tensor, training: Bool) throws -> (output: Tensor, pullback: Pullback)
}

/// One elementary operation of a traced network: where it is, what it is, and its shapes.
public struct LayerRecord {
    /// Dotted path, e.g. `features.3.depthwise`.
    public var name: String
    public var layer: any Layer
    public var inputShape: [Int]
    public var outputShape: [Int]
}

extension Layer {
    public var typeName: String { String(describing: type(of: self)) }
    public var ownParameters: [(name: String, parameter: Parameter)] { [] }
    public var children: [(name: String, layer: any Layer)] { [] }
    public func macs(for inputShape: [Int]) -> Int { 0 }

    public func forwardWithPullback(_ input: Tensor, training: Bool) throws -> (output: Tensor, pullback: Pullback) {
        throw SepCNNError.invalidArgument("\(typeName) does not support training (no backward pass)")
    }

    public func trace(name: String, inputShape: [Int], into records: inout [LayerRecord]) throws -> [Int] {
        let output = try outputShape(for: inputShape)
        records.append(LayerRecord(name: name, layer: self, inputShape: inputShape, outputShape: output))
        return output
    }

    /// Runs the layer in inference mode (Keras's default for `model(x)`).
    public func callAsFunction(_ input: Tensor, training: Bool = false) throws -> Tensor {
        try forward(input, training: training)
    }

    /// Every parameter and buffer below this layer, named by its dotted path
    /// (`features.3.depthwise.weight`, `features.3.bn.runningMean`), in a stable order.
    public func namedParameters() -> [(name: String, parameter: Parameter)] {
        var result = ownParameters
        for (childName, child) in children {
            for (name, parameter) in child.namedParameters() {
                result.append(("\(childName).\(name)", parameter))
            }
        }
        return result
    }

    /// Freezes every weight below this layer (Keras's `layer.trainable = False`): training leaves
    /// them alone, and a frozen BatchNorm runs on its running statistics.
    public func freeze() {
        for (_, parameter) in namedParameters() { parameter.isFrozen = true }
    }

    /// Undoes `freeze()` for every weight below this layer.
    public func unfreeze() {
        for (_, parameter) in namedParameters() { parameter.isFrozen = false }
    }

    /// Every layer below this one (itself first, with the empty path), depth first.
    public func namedLayers() -> [(name: String, layer: any Layer)] {
        var result: [(name: String, layer: any Layer)] = [("", self)]
        for (childName, child) in children {
            for (name, layer) in child.namedLayers() {
                result.append((name.isEmpty ? childName : "\(childName).\(name)", layer))
            }
        }
        return result
    }
}

// MARK: - Checks shared by layers

/// Throws unless `shape` is a rank-4 NHWC shape, optionally with `channels` channels.
func requireNHWC(_ shape: [Int], _ layer: String, channels: Int? = nil) throws {
    guard shape.count == 4 else {
        throw SepCNNError.shapeMismatch("\(layer) expects an NHWC input [batch, height, width, channels], got \(describe(shape))")
    }
    if let channels, shape[3] != channels {
        throw SepCNNError.shapeMismatch("\(layer) expects \(channels) input channels, got input \(describe(shape))")
    }
}

func requirePositive(_ value: Int, _ what: String, _ layer: String) throws {
    guard value > 0 else { throw SepCNNError.invalidArgument("\(layer): \(what) must be positive, got \(value)") }
}

/// A layer that emits its own plan steps. `PlanBuilder` calls it; a layer without it runs
/// through its own `forward` in a `LayerStep` (correct, but allocating).
protocol LowerableLayer: Layer {
    /// Emits the steps computing this layer from value `input`; returns the value holding its output.
    /// `label` is the layer's dotted path, for profiles and nested names.
    func lower(into builder: inout PlanBuilder, input: Int, label: String) throws -> Int
}

/// A convolution or dense layer: a BatchNorm after it folds into its weights and an activation
/// after it into its store, which `PlanBuilder` decides, since the pattern spans siblings.
protocol FoldableLayer: LowerableLayer {
    /// The layer's own weights, bias and activation, as folding starts from them.
    var folded: FoldedConvolution { get }
    /// Emits the layer's steps with `folded` in place of its own weights, bias and activation.
    func lower(_ folded: FoldedConvolution, into builder: inout PlanBuilder, input: Int, label: String) throws -> Int
}

extension FoldableLayer {
    func lower(into builder: inout PlanBuilder, input: Int, label: String) throws -> Int {
        try lower(folded, into: &builder, input: input, label: label)
    }
}

/// A container whose children run one after another: the builder opens it up, so patterns
/// spanning its children and its neighbours (a unit's conv, bn, act) are seen as one run.
protocol SequenceLayer: Layer {
    var sequence: [(name: String, layer: any Layer)] { get }
}

/// A multi-input layer that emits its own plan steps, as `LowerableLayer` for graph nodes.
protocol LowerableMultiInputLayer: MultiInputLayer {
    func lower(into builder: inout PlanBuilder, inputs: [Int], label: String) throws -> Int
}

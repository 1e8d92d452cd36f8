/// A depthwise convolution followed by a pointwise one, as a single layer (Keras `SeparableConv2D`).
///
/// As in Keras, the depthwise part has no bias; the bias and the activation follow the pointwise
/// part. Its parameters are `depthwise.weight` `[kh, kw, C, depthMultiplier]`, `pointwise.weight`
/// `[C · depthMultiplier, outputChannels]` and `pointwise.bias`. Summaries show it as one layer.
public final class SeparableConv2D: Layer {
    public let depthwise: DepthwiseConv2D
    public let pointwise: PointwiseConv2D

    /// A fresh depthwise and pointwise part, as Keras `SeparableConv2D(filters, kernel_size, …)` makes.
    ///
    /// - Parameters:
    ///   - inputChannels: C of the NHWC input.
    ///   - outputChannels: channels out of the pointwise part (Keras `filters`).
    ///   - kernelSize: the depthwise window in pixels; an integer literal means both sides.
    ///   - stride: step of the depthwise window in pixels (default 1).
    ///   - padding: padding of the depthwise part (default `.valid`, as Keras), `.same` or `.explicit`.
    ///   - dilation: spacing of the depthwise kernel's taps (default 1).
    ///   - depthMultiplier: depthwise kernels per input channel (default 1); the pointwise part then
    ///     takes C · depthMultiplier channels.
    ///   - bias: whether the pointwise part adds a bias (default true); the depthwise part never does.
    ///   - activation: applied after the pointwise part (default `.linear`, none).
    /// - Throws: ``SepCNNError``, naming the part, for a size that ``DepthwiseConv2D`` or
    ///   ``PointwiseConv2D`` refuses.
    public init(inputChannels: Int, outputChannels: Int, kernelSize: Size2D, stride: Size2D = 1,
                padding: Padding = .valid, dilation: Size2D = 1, depthMultiplier: Int = 1, bias: Bool = true,
                activation: Activation = .linear) throws {
        depthwise = try within("depthwise") {
            try DepthwiseConv2D(channels: inputChannels, kernelSize: kernelSize, stride: stride, padding: padding,
                                dilation: dilation, depthMultiplier: depthMultiplier, bias: false)
        }
        pointwise = try within("pointwise") {
            try PointwiseConv2D(inputChannels: inputChannels * depthMultiplier, outputChannels: outputChannels,
                                bias: bias, activation: activation)
        }
    }

    /// The two parts as they are; the pointwise part must take the depthwise part's outputs.
    ///
    /// - Parameters:
    ///   - depthwise: the first part, kept with its weights (a bias on it is kept too).
    ///   - pointwise: the second part; its `inputChannels` must be the depthwise part's
    ///     `channels · depthMultiplier`.
    /// - Throws: ``SepCNNError`` if the channel counts do not meet.
    public init(depthwise: DepthwiseConv2D, pointwise: PointwiseConv2D) throws {
        guard pointwise.inputChannels == depthwise.channels * depthwise.depthMultiplier else {
            throw SepCNNError.shapeMismatch(
                "SeparableConv2D: the pointwise part takes \(pointwise.inputChannels) channels; the depthwise part gives \(depthwise.channels * depthwise.depthMultiplier)")
        }
        self.depthwise = depthwise
        self.pointwise = pointwise
    }

    public var children: [(name: String, layer: any Layer)] { [("depthwise", depthwise), ("pointwise", pointwise)] }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        try pointwise.outputShape(for: depthwise.outputShape(for: inputShape))
    }

    public func macs(for inputShape: [Int]) -> Int {
        guard let middle = try? depthwise.outputShape(for: inputShape) else { return 0 }
        return depthwise.macs(for: inputShape) + pointwise.macs(for: middle)
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        try pointwise.forward(depthwise.forward(input, training: training), training: training)
    }

    public func forwardWithPullback(_ input: Tensor, training: Bool) throws -> (output: Tensor, pullback: Pullback) {
        let (middle, depthwiseBack) = try within("depthwise") { try depthwise.forwardWithPullback(input, training: training) }
        let (output, pointwiseBack) = try within("pointwise") { try pointwise.forwardWithPullback(middle, training: training) }
        return (output, { gradOutput in
            let gradMiddle = try within("pointwise") { try pointwiseBack(gradOutput) }
            return try within("depthwise") { try depthwiseBack(gradMiddle) }
        })
    }
}

extension SeparableConv2D: SequenceLayer, LowerableLayer {
    var sequence: [(name: String, layer: any Layer)] { children }

    func lower(into builder: inout PlanBuilder, input: Int, label: String) throws -> Int {
        try builder.lower(self, name: label, input: input)
    }
}

extension SeparableConv2D: DescribableLayer {
    public var configuration: EmptyConfiguration { EmptyConfiguration() }

    /// The children are the depthwise and the pointwise part, as `children` lists them.
    ///
    /// - Parameters:
    ///   - configuration: empty: the parts hold the settings.
    ///   - children: a ``DepthwiseConv2D`` named `depthwise`, then a ``PointwiseConv2D`` named `pointwise`.
    /// - Throws: ``SepCNNError`` if the children are not those two, or their channels do not meet.
    public convenience init(configuration: EmptyConfiguration, children: [(name: String, layer: any Layer)]) throws {
        guard children.count == 2, children[0].name == "depthwise", children[1].name == "pointwise",
              let depthwise = children[0].layer as? DepthwiseConv2D, let pointwise = children[1].layer as? PointwiseConv2D else {
            throw SepCNNError.invalidFile("SeparableConv2D: needs a DepthwiseConv2D 'depthwise' and a PointwiseConv2D 'pointwise', got \(children.map { "\($0.name): \($0.layer.typeName)" })")
        }
        try self.init(depthwise: depthwise, pointwise: pointwise)
    }
}

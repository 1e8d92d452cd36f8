/// Standard 2-D convolution with optional channel groups (PyTorch `Conv2d`, Keras `Conv2D`).
///
/// Input and output are NHWC. `weight` is `[kernelHeight, kernelWidth, inputChannels / groups,
/// outputChannels]` (Keras order). With `groups == inputChannels` it is a depthwise convolution,
/// as in PyTorch, and runs the depthwise kernel.
public final class Conv2D: Layer {
    public let inputChannels: Int
    public let outputChannels: Int
    public let kernelSize: Size2D
    public let stride: Size2D
    public let dilation: Size2D
    public let padding: Padding
    public let groups: Int
    public let activation: Activation
    /// `[kernelHeight, kernelWidth, inputChannels / groups, outputChannels]`
    public let weight: Parameter
    /// `[outputChannels]`, or nil without bias.
    public let bias: Parameter?
    let window: Window

    /// Initialised like PyTorch: weights Kaiming-uniform (a = √5), bias U(±1/√fanIn),
    /// fanIn = (inputChannels / groups) · kh · kw.
    ///
    /// - Parameters:
    ///   - inputChannels: C of the NHWC input (PyTorch `in_channels`); Keras infers it from the input.
    ///   - outputChannels: channels of the output (PyTorch `out_channels`, Keras `filters`).
    ///   - kernelSize: window height and width in pixels; an integer literal means both (`3` is 3×3).
    ///   - stride: step of the window in pixels (default 1). A stride of 2 halves the output size.
    ///   - padding: `.valid` (default: no padding, as Keras's default and PyTorch's `padding=0`),
    ///     `.same` (Keras `"same"`: ⌈input / stride⌉ pixels out) or `.explicit` pixels per side
    ///     (PyTorch `padding=p` is `.explicit(p)`).
    ///   - dilation: spacing between the kernel's taps (default 1, a dense kernel), as PyTorch `dilation`
    ///     and Keras `dilation_rate`.
    ///   - groups: channel groups (default 1), as PyTorch `groups`: each group of
    ///     `inputChannels / groups` input channels makes `outputChannels / groups` outputs. Must divide
    ///     both counts; `groups == inputChannels` is a depthwise convolution (prefer ``DepthwiseConv2D``).
    ///   - bias: whether the layer adds a learned bias per output channel (default true, as both
    ///     frameworks). A convolution followed by ``BatchNorm`` needs none.
    ///   - activation: applied to the output in the same pass (default `.linear`, none), as Keras's
    ///     `activation=`; a separate activation layer computes the same.
    /// - Throws: ``SepCNNError`` if a count, kernel side, stride or dilation is not positive (or above
    ///   2¹⁶), explicit padding is negative, or `groups` does not divide both channel counts.
    public init(inputChannels: Int, outputChannels: Int, kernelSize: Size2D, stride: Size2D = 1,
                padding: Padding = .valid, dilation: Size2D = 1, groups: Int = 1, bias: Bool = true,
                activation: Activation = .linear) throws {
        window = Window(kernel: kernelSize, stride: stride, dilation: dilation, padding: padding)
        try window.validate("Conv2D")
        try requirePositive(inputChannels, "inputChannels", "Conv2D")
        try requirePositive(outputChannels, "outputChannels", "Conv2D")
        try requirePositive(groups, "groups", "Conv2D")
        guard inputChannels % groups == 0, outputChannels % groups == 0 else {
            throw SepCNNError.invalidArgument(
                "Conv2D: groups (\(groups)) must divide both inputChannels (\(inputChannels)) and outputChannels (\(outputChannels))")
        }
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.dilation = dilation
        self.padding = padding
        self.groups = groups
        self.activation = activation
        // Saturating: a weight too large to allocate is refused by the shape check, not by a trap here.
        let receptive = saturatingProduct(kernelSize.height, kernelSize.width)
        let fanIn = saturatingProduct(inputChannels / groups, receptive)
        weight = Parameter(try Initializer.pytorchWeight.tensor(
            shape: [kernelSize.height, kernelSize.width, inputChannels / groups, outputChannels],
            fanIn: fanIn, fanOut: saturatingProduct(outputChannels, receptive)))
        self.bias = bias
            ? Parameter(try Initializer.pytorchBias(fanIn: fanIn).tensor(shape: [outputChannels], fanIn: fanIn, fanOut: outputChannels))
            : nil
    }

    public var ownParameters: [(name: String, parameter: Parameter)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    func geometry(for inputShape: [Int]) throws -> ConvGeometry {
        try requireNHWC(inputShape, typeName, channels: inputChannels)
        return try window.geometry(typeName, input: inputShape, outputChannels: outputChannels, groups: groups)
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        let g = try geometry(for: inputShape)
        return [g.batch, g.outputHeight, g.outputWidth, g.outputChannels]
    }

    public func macs(for inputShape: [Int]) -> Int {
        guard let g = try? geometry(for: inputShape) else { return 0 }
        return g.outputCount * g.kernelHeight * g.kernelWidth * g.inputChannelsPerGroup
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        try convolve(input, activation: activation)
    }

    /// The convolution plus bias, followed by `activation`.
    private func convolve(_ input: Tensor, activation: Activation) throws -> Tensor {
        let g = try geometry(for: input.shape)
        let convolution = try ConvolutionOperator(g, weights: weight.value.scalars, bias: bias?.value.scalars, activation: activation)
        return try convolution(input, outputShape: [g.batch, g.outputHeight, g.outputWidth, g.outputChannels])
    }

    public func forwardWithPullback(_ input: Tensor, training: Bool) throws -> (output: Tensor, pullback: Pullback) {
        let g = try geometry(for: input.shape)
        let linear = try convolve(input, activation: .linear)
        let output = applying(activation, to: linear)
        let pullback = weightedLayerPullback(typeName, input: input, linear: linear, output: output, activation: activation,
                                             weight: weight, bias: bias) { x, w, dy, dx, dw, db in
            if g.isDepthwise {
                depthwiseConv2DBackward(g, input: x, weights: w, gradOutput: dy, gradInput: dx, gradWeights: dw, gradBias: db)
            } else {
                conv2DBackward(g, input: x, weights: w, gradOutput: dy, gradInput: dx, gradWeights: dw, gradBias: db)
            }
        }
        return (output, pullback)
    }
}

extension Conv2D: FoldableLayer {
    var folded: FoldedConvolution {
        FoldedConvolution(weights: weight.value, bias: bias?.value, activation: activation, outputChannels: outputChannels,
                          weightQuantization: weight.quantization)
    }

    func lower(_ folded: FoldedConvolution, into builder: inout PlanBuilder, input: Int, label: String) throws -> Int {
        let g = try geometry(for: builder.shape(of: input))
        let convolution = try ConvolutionOperator(g, weights: folded.weights, bias: folded.bias, activation: folded.activation)
        return builder.emit(convolution: convolution, input: input, shape: [g.batch, g.outputHeight, g.outputWidth, g.outputChannels],
                            label: label)
    }
}

extension Conv2D: DescribableLayer {
    public struct Configuration: Codable, Equatable, Sendable {
        public var inputChannels: Int
        public var outputChannels: Int
        public var kernelSize: Size2D
        public var stride: Size2D
        public var padding: Padding
        public var dilation: Size2D
        public var groups: Int
        public var bias: Bool
        public var activation: Activation
    }

    public static func parameterCount(of c: Configuration) -> Int {
        saturatingSum([saturatingProduct(c.kernelSize.height, c.kernelSize.width, c.inputChannels / max(c.groups, 1), c.outputChannels),
                       c.bias ? c.outputChannels : 0])
    }

    public var configuration: Configuration {
        Configuration(inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: kernelSize, stride: stride,
                      padding: padding, dilation: dilation, groups: groups, bias: bias != nil, activation: activation)
    }

    public convenience init(configuration c: Configuration, children: [(name: String, layer: any Layer)]) throws {
        try self.init(inputChannels: c.inputChannels, outputChannels: c.outputChannels, kernelSize: c.kernelSize, stride: c.stride,
                      padding: c.padding, dilation: c.dilation, groups: c.groups, bias: c.bias, activation: c.activation)
    }
}

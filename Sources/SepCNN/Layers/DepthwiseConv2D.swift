/// Depthwise 2-D convolution: each input channel is filtered on its own by `depthMultiplier`
/// kernels, so C channels give C · depthMultiplier outputs (Keras `DepthwiseConv2D`,
/// PyTorch `Conv2d(C, C·M, k, groups: C)`).
///
/// Input and output are NHWC. `weight` is `[kernelHeight, kernelWidth, channels, depthMultiplier]`
/// (Keras/TFLite order); output channel `c · depthMultiplier + m` comes from input channel c
/// (PyTorch's order too). See `Docs/weight-layouts.md`.
public final class DepthwiseConv2D: Layer {
    public let channels: Int
    public let depthMultiplier: Int
    public let kernelSize: Size2D
    public let stride: Size2D
    public let dilation: Size2D
    public let padding: Padding
    /// Applied to the output in the same pass, as Keras's `activation=`.
    public let activation: Activation
    /// `[kernelHeight, kernelWidth, channels, depthMultiplier]`
    public let weight: Parameter
    /// `[channels · depthMultiplier]`, or nil without bias.
    public let bias: Parameter?
    let window: Window

    /// Initialised like PyTorch: weights Kaiming-uniform (a = √5), bias U(±1/√fanIn), fanIn = kh · kw.
    ///
    /// - Parameters:
    ///   - channels: C of the NHWC input; each channel is filtered on its own.
    ///   - kernelSize: window height and width in pixels; an integer literal means both (`3` is 3×3,
    ///     MobileNet's choice).
    ///   - stride: step of the window in pixels (default 1); MobileNets downsample with stride 2 here.
    ///   - padding: `.valid` (default: no padding, as Keras's default and PyTorch's `padding=0`),
    ///     `.same` (Keras `"same"`) or `.explicit` pixels per side (PyTorch `padding=1` is `.explicit(1)`).
    ///   - dilation: spacing between the kernel's taps (default 1), as PyTorch `dilation` and Keras
    ///     `dilation_rate`.
    ///   - depthMultiplier: kernels per input channel, M (default 1), as Keras `depth_multiplier`; the
    ///     output has C · M channels (PyTorch `out_channels = C · M` with `groups = C`).
    ///   - bias: whether the layer adds a learned bias per output channel (default true). A depthwise
    ///     convolution followed by ``BatchNorm`` needs none.
    ///   - activation: applied to the output in the same pass (default `.linear`, none).
    /// - Throws: ``SepCNNError`` if `channels`, `depthMultiplier`, a kernel side, stride or dilation is
    ///   not positive (or above 2¹⁶), or explicit padding is negative.
    public init(channels: Int, kernelSize: Size2D, stride: Size2D = 1, padding: Padding = .valid,
                dilation: Size2D = 1, depthMultiplier: Int = 1, bias: Bool = true,
                activation: Activation = .linear) throws {
        window = Window(kernel: kernelSize, stride: stride, dilation: dilation, padding: padding)
        try window.validate("DepthwiseConv2D")
        try requirePositive(channels, "channels", "DepthwiseConv2D")
        try requirePositive(depthMultiplier, "depthMultiplier", "DepthwiseConv2D")
        self.channels = channels
        self.depthMultiplier = depthMultiplier
        self.kernelSize = kernelSize
        self.stride = stride
        self.dilation = dilation
        self.padding = padding
        self.activation = activation
        // Saturating: a weight too large to allocate is refused by the shape check, not by a trap here.
        let fanIn = saturatingProduct(kernelSize.height, kernelSize.width)
        let outputs = saturatingProduct(channels, depthMultiplier)
        weight = Parameter(try Initializer.pytorchWeight.tensor(
            shape: [kernelSize.height, kernelSize.width, channels, depthMultiplier], fanIn: fanIn, fanOut: saturatingProduct(outputs, fanIn)))
        self.bias = bias
            ? Parameter(try Initializer.pytorchBias(fanIn: fanIn).tensor(shape: [outputs], fanIn: fanIn, fanOut: outputs))
            : nil
    }

    public var outputChannels: Int { channels * depthMultiplier }

    public var ownParameters: [(name: String, parameter: Parameter)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    func geometry(for inputShape: [Int]) throws -> ConvGeometry {
        try requireNHWC(inputShape, typeName, channels: channels)
        return try window.geometry(typeName, input: inputShape, outputChannels: outputChannels, groups: channels)
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        let g = try geometry(for: inputShape)
        return [g.batch, g.outputHeight, g.outputWidth, g.outputChannels]
    }

    public func macs(for inputShape: [Int]) -> Int {
        guard let g = try? geometry(for: inputShape) else { return 0 }
        return g.outputCount * g.kernelHeight * g.kernelWidth
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        try convolve(input, activation: activation)
    }

    /// The convolution plus bias, followed by `activation`.
    private func convolve(_ input: Tensor, activation: Activation) throws -> Tensor {
        let g = try geometry(for: input.shape)
        let depthwise = try DepthwiseOperator(g, weights: weight.value.scalars, bias: bias?.value.scalars, activation: activation)
        return try depthwise(input, outputShape: [g.batch, g.outputHeight, g.outputWidth, g.outputChannels])
    }

    public func forwardWithPullback(_ input: Tensor, training: Bool) throws -> (output: Tensor, pullback: Pullback) {
        let g = try geometry(for: input.shape)
        let linear = try convolve(input, activation: .linear)
        let output = applying(activation, to: linear)
        let pullback = weightedLayerPullback(typeName, input: input, linear: linear, output: output, activation: activation,
                                             weight: weight, bias: bias) { x, w, dy, dx, dw, db in
            depthwiseConv2DBackward(g, input: x, weights: w, gradOutput: dy, gradInput: dx, gradWeights: dw, gradBias: db)
        }
        return (output, pullback)
    }
}

extension DepthwiseConv2D: FoldableLayer {
    var folded: FoldedConvolution {
        FoldedConvolution(weights: weight.value, bias: bias?.value, activation: activation, outputChannels: outputChannels,
                          weightQuantization: weight.quantization)
    }

    func lower(_ folded: FoldedConvolution, into builder: inout PlanBuilder, input: Int, label: String) throws -> Int {
        let g = try geometry(for: builder.shape(of: input))
        let depthwise = try DepthwiseOperator(g, weights: folded.weights, bias: folded.bias, activation: folded.activation)
        return builder.emit(depthwise, input: input, shape: [g.batch, g.outputHeight, g.outputWidth, g.outputChannels], label: label)
    }
}

extension DepthwiseConv2D: DescribableLayer {
    public struct Configuration: Codable, Equatable, Sendable {
        public var channels: Int
        public var kernelSize: Size2D
        public var stride: Size2D
        public var padding: Padding
        public var dilation: Size2D
        public var depthMultiplier: Int
        public var bias: Bool
        public var activation: Activation
    }

    public static func parameterCount(of c: Configuration) -> Int {
        saturatingSum([saturatingProduct(c.kernelSize.height, c.kernelSize.width, c.channels, c.depthMultiplier),
                       c.bias ? saturatingProduct(c.channels, c.depthMultiplier) : 0])
    }

    public var configuration: Configuration {
        Configuration(channels: channels, kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation,
                      depthMultiplier: depthMultiplier, bias: bias != nil, activation: activation)
    }

    public convenience init(configuration c: Configuration, children: [(name: String, layer: any Layer)]) throws {
        try self.init(channels: c.channels, kernelSize: c.kernelSize, stride: c.stride, padding: c.padding, dilation: c.dilation,
                      depthMultiplier: c.depthMultiplier, bias: c.bias, activation: c.activation)
    }
}

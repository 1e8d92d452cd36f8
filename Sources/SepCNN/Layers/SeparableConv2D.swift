/// A depthwise convolution followed by a pointwise one, as a single layer (Keras `SeparableConv2D`).
///
/// As in Keras, the depthwise part has no bias; the bias and the activation follow the pointwise
/// part. Its parameters are `depthwise.weight` `[kh, kw, C, depthMultiplier]`, `pointwise.weight`
/// `[C · depthMultiplier, outputChannels]` and `pointwise.bias`. Summaries show it as one layer.
public final class SeparableConv2D: Layer {
    public let depthwise: DepthwiseConv2D
    public let pointwise: PointwiseConv2D

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

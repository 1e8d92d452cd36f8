/// Whether a built-in model uses depthwise-separable convolutions or their standard-convolution twin.
///
/// The twin keeps every shape and replaces each depthwise K×K + pointwise pair with one K×K
/// standard convolution from the depthwise input channels to the pointwise output channels,
/// so the two differ only where separability does.
public enum ConvolutionStyle: String, Sendable {
    case separable
    case standard
}

/// `conv → BatchNorm → activation` as one named unit (`conv`, `bn`, `act`), like torchvision's
/// `Conv2dNormActivation`.
func convUnit(_ conv: any Layer, channels: Int, activation: (any Layer)?, epsilon: Float, momentum: Float) throws -> Sequential {
    var layers: [(String, any Layer)] = [("conv", conv), ("bn", try BatchNorm(channels: channels, epsilon: epsilon, momentum: momentum))]
    if let activation { layers.append(("act", activation)) }
    return Sequential(named: layers)
}

/// torchvision's `_make_divisible`: rounds channel counts to a multiple of `divisor` without
/// dropping more than 10 %.
func makeDivisible(_ value: Double, _ divisor: Int = 8) -> Int {
    var rounded = max(divisor, Int(value + Double(divisor) / 2) / divisor * divisor)
    if Double(rounded) < 0.9 * value { rounded += divisor }
    return rounded
}

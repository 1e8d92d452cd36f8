/// The one entry point layers call for a standard or grouped convolution (contract: `conv2DReference`).
///
/// `scratch` must hold `im2colScratchCount(g)` floats. Grouped convolutions with one input channel
/// per group are depthwise and take that kernel instead.
func conv2D(_ g: ConvGeometry,
            input: UnsafePointer<Float>,
            weights: UnsafePointer<Float>,
            bias: UnsafePointer<Float>?,
            activation: Activation,
            output: UnsafeMutablePointer<Float>,
            scratch: UnsafeMutablePointer<Float>) {
    if g.groups == g.inputChannels && g.groups > 1 {
        // [kh, kw, 1, C·M] is exactly the depthwise [kh, kw, C, M] layout.
        depthwiseConv2D(g, input: input, weights: weights, bias: bias, activation: activation, output: output)
    } else {
        conv2DIm2Col(g, input: input, weights: weights, bias: bias, activation: activation,
                     output: output, scratch: scratch)
    }
}

/// The one entry point layers call for a depthwise convolution (contract: `depthwiseConv2DReference`).
///
/// Today it runs the reference; fast kernels for the common shapes plug in here, chosen by
/// geometry, without any change to the layers.
func depthwiseConv2D(_ g: ConvGeometry,
                     input: UnsafePointer<Float>,
                     weights: UnsafePointer<Float>,
                     bias: UnsafePointer<Float>?,
                     activation: Activation,
                     output: UnsafeMutablePointer<Float>) {
    depthwiseConv2DReference(g, input: input, weights: weights, bias: bias, activation: activation, output: output)
}

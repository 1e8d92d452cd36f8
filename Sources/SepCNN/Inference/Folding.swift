/// A convolution's weights and bias with BatchNorm folded in and its activation fused: the form
/// every convolution takes inside an `InferencePlan`.
///
/// All SepCNN weight layouts put the output channel innermost (`[kh, kw, C, M]`, `[kh, kw, Cin/g, Cout]`,
/// `[Cin, Cout]`, `[in, out]`), so folding scales each run of `outputChannels` weights the same way.
struct FoldedConvolution {
    var weights: [Float]
    var bias: [Float]
    var activation: Activation
    let outputChannels: Int
    /// The weights' int8 grid, if they are on one; folding a BatchNorm leaves it.
    var weightQuantization: WeightQuantization?
    /// The scale a FakeQuantize after the layer asks its output to be written in.
    var outputQuantization: QuantizationParameters?

    init(weights: Tensor, bias: Tensor?, activation: Activation, outputChannels: Int, weightQuantization: WeightQuantization? = nil) {
        self.weightQuantization = weightQuantization
        self.weights = weights.scalars
        self.bias = bias?.scalars ?? [Float](repeating: 0, count: outputChannels)
        self.activation = activation
        self.outputChannels = outputChannels
    }

    /// conv → BN in inference mode equals one convolution with w' = w·s and b' = (b − μ)·s + β,
    /// where s = γ / √(σ² + ε).
    mutating func fold(_ bn: BatchNorm) {
        precondition(activation == .linear && bn.channels == outputChannels, "internal: BatchNorm folded into the wrong layer")
        let (scale, shift) = bn.scaleAndShift(mean: bn.runningMean.value.scalars, variance: bn.runningVar.value.scalars)
        for i in weights.indices { weights[i] *= scale[i % outputChannels] }
        weightQuantization = nil
        for c in 0..<outputChannels { bias[c] = bias[c] * scale[c] + shift[c] }
    }
}

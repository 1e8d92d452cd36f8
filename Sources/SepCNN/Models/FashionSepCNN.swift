/// A small SepCNN for 28×28×1 images (Fashion-MNIST) and 10 classes, sized to train in seconds on a CPU:
/// three blocks of depthwise 3×3 (padding 1) → pointwise → BatchNorm → ReLU, with 32, 64 and 128
/// filters, MaxPool 2 after the second and third, then global average pooling and Dense 128→10.
/// Every convolution has a bias (PyTorch's default): 13,204 trainable parameters.
/// The standard twin replaces each depthwise + pointwise pair with one 3×3 convolution (padding 1)
/// from the depthwise input to the pointwise output channels: 94,410 trainable parameters.
/// `widthMultiplier` α scales the three widths as Keras's MobileNet does (`int(filters · α)`, at
/// least 1), so a uniformly thinner twin can be trained from scratch beside a pruned one.
func fashionSepCNN(style: ConvolutionStyle, channels: Int, widthMultiplier: Double = 1, classes: Int) throws -> Sequential {
    let widths = [32, 64, 128].map { max(1, Int(Double($0) * widthMultiplier)) }
    var blocks: [(String, any Layer)] = []
    var inputs = channels
    for (index, filters) in widths.enumerated() {
        var layers: [(String, any Layer)]
        switch style {
        case .separable:
            layers = [("depthwise", try DepthwiseConv2D(channels: inputs, kernelSize: 3, padding: .explicit(1))),
                      ("pointwise", try PointwiseConv2D(inputChannels: inputs, outputChannels: filters))]
        case .standard:
            layers = [("conv", try Conv2D(inputChannels: inputs, outputChannels: filters, kernelSize: 3, padding: .explicit(1)))]
        }
        layers += [("bn", try BatchNorm(channels: filters)), ("relu", ReLU())]
        if index > 0 { layers.append(("pool", try MaxPool2D(poolSize: 2))) }
        blocks.append(("block\(index + 1)", Sequential(named: layers)))
        inputs = filters
    }
    blocks += [("pool", GlobalAvgPool()),
               ("classifier", try Dense(inputFeatures: inputs, outputFeatures: classes))]
    return Sequential(named: blocks)
}

/// MobileNetV1 (Howard et al., 2017) as Keras builds it: a 3×3 stride-2 convolution, then 13
/// depthwise-separable blocks, global average pooling and a classifier. Convolutions have no
/// bias and are followed by BatchNorm (ε = 1e-3, Keras's) and ReLU6; `same` padding as Keras.
/// At width 1.0 and 224×224 it has 4,231,976 trainable parameters and ≈569M MACs.
///
/// Each block is `features.N.depthwise.{conv,bn,act}` + `features.N.pointwise.{conv,bn,act}`;
/// in the standard twin, `features.N.{conv,bn,act}` with one 3×3 convolution.
func mobileNetV1(style: ConvolutionStyle, inputChannels: Int = 3, widthMultiplier: Double, classes: Int) throws -> Sequential {
    func width(_ channels: Int) -> Int { max(1, Int(Double(channels) * widthMultiplier)) }
    func unit(_ conv: any Layer, _ channels: Int) throws -> Sequential {
        try convUnit(conv, channels: channels, activation: ReLU6(), epsilon: 1e-3, momentum: 0.01)
    }
    // (pointwise filters, stride) of the 13 blocks
    let blocks = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
                  (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1)]
    var channels = width(32)
    var features: [(String, any Layer)] = [
        ("0", try unit(Conv2D(inputChannels: inputChannels, outputChannels: channels, kernelSize: 3, stride: 2, padding: .same, bias: false), channels)),
    ]
    for (index, (filters, stride)) in blocks.enumerated() {
        let out = width(filters)
        let block: Sequential
        switch style {
        case .separable:
            block = Sequential(named: [
                ("depthwise", try unit(DepthwiseConv2D(channels: channels, kernelSize: 3, stride: Size2D(stride), padding: .same, bias: false), channels)),
                ("pointwise", try unit(PointwiseConv2D(inputChannels: channels, outputChannels: out, bias: false), out)),
            ])
        case .standard:
            block = try unit(Conv2D(inputChannels: channels, outputChannels: out, kernelSize: 3, stride: Size2D(stride), padding: .same, bias: false), out)
        }
        features.append(("\(index + 1)", block))
        channels = out
    }
    return Sequential(named: [
        ("features", Sequential(named: features)),
        ("pool", GlobalAvgPool()),
        ("dropout", try Dropout(rate: 1e-3)),
        ("classifier", try Dense(inputFeatures: channels, outputFeatures: classes)),
    ])
}

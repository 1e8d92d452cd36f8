/// MobileNetV2 (Sandler et al., 2018) as torchvision builds it: a 3×3 stride-2 convolution, 17
/// inverted-residual blocks, a 1×1 convolution to 1280 channels, global average pooling and a
/// classifier. BatchNorm ε = 1e-5, ReLU6, padding 1 (PyTorch's). At width 1.0 and 224×224 it
/// has 3,504,872 trainable parameters and ≈300M MACs.
///
/// A block is `features.N.expand` (1×1, absent when t = 1), `features.N.depthwise` (3×3) and
/// `features.N.project` (1×1, no activation), each a `{conv, bn[, act]}` unit, wrapped in a
/// residual addition when stride is 1 and the channel count is unchanged. The standard twin
/// replaces `depthwise` + `project` with one 3×3 `features.N.conv` unit.
func mobileNetV2(style: ConvolutionStyle, inputChannels: Int = 3, widthMultiplier: Double, classes: Int) throws -> Sequential {
    func unit(_ conv: any Layer, _ channels: Int, activation: Bool = true) throws -> Sequential {
        try convUnit(conv, channels: channels, activation: activation ? ReLU6() : nil, epsilon: 1e-5, momentum: 0.1)
    }
    // (expansion t, output channels c, repeats n, first stride s), from the paper's Table 2
    let settings = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
    var channels = makeDivisible(32 * widthMultiplier)
    let lastChannels = makeDivisible(1280 * max(1, widthMultiplier))
    var features: [(String, any Layer)] = [
        ("0", try unit(Conv2D(inputChannels: inputChannels, outputChannels: channels, kernelSize: 3, stride: 2, padding: .explicit(1), bias: false), channels)),
    ]
    for (t, c, n, s) in settings {
        let out = makeDivisible(Double(c) * widthMultiplier)
        for repeatIndex in 0..<n {
            let stride = repeatIndex == 0 ? s : 1
            let hidden = Int((Double(channels) * Double(t)).rounded())
            var layers: [(String, any Layer)] = []
            if t != 1 {
                layers.append(("expand", try unit(PointwiseConv2D(inputChannels: channels, outputChannels: hidden, bias: false), hidden)))
            }
            switch style {
            case .separable:
                layers.append(("depthwise", try unit(DepthwiseConv2D(channels: hidden, kernelSize: 3, stride: Size2D(stride), padding: .explicit(1), bias: false), hidden)))
                layers.append(("project", try unit(PointwiseConv2D(inputChannels: hidden, outputChannels: out, bias: false), out, activation: false)))
            case .standard:
                layers.append(("conv", try unit(Conv2D(inputChannels: hidden, outputChannels: out, kernelSize: 3, stride: Size2D(stride), padding: .explicit(1), bias: false), out, activation: false)))
            }
            let body = Sequential(named: layers)
            features.append(("\(features.count)", stride == 1 && channels == out ? Residual(body) : body))
            channels = out
        }
    }
    features.append(("\(features.count)", try unit(PointwiseConv2D(inputChannels: channels, outputChannels: lastChannels, bias: false), lastChannels)))
    return Sequential(named: [
        ("features", Sequential(named: features)),
        ("pool", GlobalAvgPool()),
        ("dropout", try Dropout(rate: 0.2)),
        ("classifier", try Dense(inputFeatures: lastChannels, outputFeatures: classes)),
    ])
}

/// The example SepCNN of the source documents, for 32×32×3 images and 10 classes:
/// depthwise 3×3 (padding 1, bias) → pointwise 3→64 → BatchNorm → ReLU → MaxPool 2 → Flatten →
/// Dense 64·16·16→10. PyTorch reports 164,264 trainable parameters.
/// The standard twin replaces the depthwise + pointwise pair with one 3×3 convolution 3→64.
func exampleSepCNN(style: ConvolutionStyle, inputChannels channels: Int = 3, resolution: Int, classes: Int) throws -> Sequential {
    let filters = 64
    var layers: [(String, any Layer)]
    switch style {
    case .separable:
        layers = [("depthwise", try DepthwiseConv2D(channels: channels, kernelSize: 3, padding: .explicit(1))),
                  ("pointwise", try PointwiseConv2D(inputChannels: channels, outputChannels: filters))]
    case .standard:
        layers = [("conv", try Conv2D(inputChannels: channels, outputChannels: filters, kernelSize: 3, padding: .explicit(1)))]
    }
    let pooled = resolution / 2
    layers += [("bn", try BatchNorm(channels: filters)),
               ("relu", ReLU()),
               ("pool", try MaxPool2D(poolSize: 2)),
               ("flatten", Flatten()),
               ("fc", try Dense(inputFeatures: filters * pooled * pooled, outputFeatures: classes))]
    return Sequential(named: layers)
}

/// The same network as Keras writes it: DepthwiseConv2D 3×3 same (ReLU) → Conv2D 64 1×1 (ReLU) →
/// BatchNormalization → MaxPooling2D 2 → Flatten → Dense 10 (softmax). Keras reports 164,392
/// parameters, 164,264 trainable and 128 non-trainable. Layer names follow Keras's.
func exampleSepCNNKeras(style: ConvolutionStyle, inputChannels channels: Int = 3, resolution: Int, classes: Int) throws -> Sequential {
    let filters = 64
    var layers: [(String, any Layer)]
    switch style {
    case .separable:
        layers = [("depthwise_conv2d", try DepthwiseConv2D(channels: channels, kernelSize: 3, padding: .same, activation: .relu)),
                  ("conv2d", try PointwiseConv2D(inputChannels: channels, outputChannels: filters, activation: .relu))]
    case .standard:
        layers = [("conv2d", try Conv2D(inputChannels: channels, outputChannels: filters, kernelSize: 3, padding: .same, activation: .relu))]
    }
    let pooled = resolution / 2
    layers += [("batch_normalization", try BatchNorm(channels: filters, epsilon: 1e-3, momentum: 0.01)),
               ("max_pooling2d", try MaxPool2D(poolSize: 2)),
               ("flatten", Flatten()),
               ("dense", try Dense(inputFeatures: filters * pooled * pooled, outputFeatures: classes)),
               ("softmax", Softmax())]
    return Sequential(named: layers)
}

@testable import SepCNN

/// Small hand-built networks that together use every layer and container the ONNX exporter
/// handles, each option that changes what it writes (groups, dilation, every padding, depth
/// multiplier, fused activations, constants on either side, concatenation axes, storage-order
/// reshapes and permutes). Weights come from `Random.withSeed`, so each network is the same every run.
struct ExportTestNetwork: CustomStringConvertible, Sendable {
    let name: String
    /// Whether SepCNN's own importer reads the export back. Softmax over the channels of an image
    /// is valid ONNX, but the importer takes Softmax only over `[batch, classes]`; ONNX Runtime checks it.
    let reimportable: Bool
    let build: @Sendable () throws -> Model

    var description: String { name }

    func make(seed: UInt64 = 11) throws -> Model {
        try Random.withSeed(seed) { try build() }
    }

    static let all: [ExportTestNetwork] = [
        ExportTestNetwork(name: "convolutions", reimportable: true, build: convolutions),
        ExportTestNetwork(name: "pooling-and-shapes", reimportable: true, build: poolingAndShapes),
        ExportTestNetwork(name: "graph", reimportable: true, build: graph),
        ExportTestNetwork(name: "image-output", reimportable: false, build: imageOutput),
    ]

    /// Odd input sizes make `.same` padding asymmetric.
    private static func convolutions() throws -> Model {
        let network = Sequential(named: [
            ("stem", try Conv2D(inputChannels: 3, outputChannels: 8, kernelSize: 3, stride: 2, padding: .same, activation: .relu6)),
            ("grouped", try Conv2D(inputChannels: 8, outputChannels: 8, kernelSize: 3,
                                   padding: .explicit(top: 2, bottom: 1, left: 0, right: 3), dilation: 2, groups: 2,
                                   activation: .hardSwish)),
            ("depthwise", try DepthwiseConv2D(channels: 8, kernelSize: 3, stride: 2, padding: .same, depthMultiplier: 2,
                                              activation: .silu)),
            ("pointwise", try PointwiseConv2D(inputChannels: 16, outputChannels: 8, activation: .sigmoid)),
            ("separable", try SeparableConv2D(inputChannels: 8, outputChannels: 12, kernelSize: Size2D(3, 1), padding: .same,
                                              depthMultiplier: 2, activation: .hardSigmoid)),
            ("rows", try Conv2D(inputChannels: 12, outputChannels: 12, kernelSize: Size2D(1, 3), stride: Size2D(1, 2),
                                groups: 12, bias: false, activation: .relu)),
            ("bn", try BatchNorm(channels: 12, epsilon: 1e-3)),
            ("relu", ReLU()),
            ("pool", GlobalAvgPool()),
            ("fc1", try Dense(inputFeatures: 12, outputFeatures: 10, activation: .silu)),
            ("bn1d", try BatchNorm(channels: 10)),
            ("fc2", try Dense(inputFeatures: 10, outputFeatures: 6)),
            ("softmax", Softmax()),
        ])
        return Model(name: "convolutions", inputShape: [15, 15, 3], network: network)
    }

    private static func poolingAndShapes() throws -> Model {
        let network = Sequential(named: [
            ("conv", try Conv2D(inputChannels: 4, outputChannels: 6, kernelSize: 3, padding: .explicit(1))),
            ("bn", try BatchNorm(channels: 6)),
            ("max", try MaxPool2D(poolSize: 3, stride: 2, padding: .same)),                                         // 6×5
            ("meanWithPadding", try AvgPool2D(poolSize: 3, stride: 1, padding: .explicit(1), countIncludesPadding: true)),
            ("meanInBounds", try AvgPool2D(poolSize: 2, stride: 1, padding: .explicit(top: 1, bottom: 0, left: 1, right: 0))),
            ("clamp", try Clamp(minimum: -1, maximum: 2, scale: 0.5, offset: 0.25)),
            ("hard", try Clamp(minimum: 0, maximum: 1, scale: 0.3, offset: 0.4)),
            ("floor", try Clamp(minimum: -0.5)),
            ("ceiling", try Clamp(maximum: 0.8, scale: 2)),
            ("relu6", ReLU6()),
            ("hardSwish", HardSwish()),
            ("dropout", try Dropout(rate: 0.3)),
            ("toChannelsFirst", try Permute(order: [0, 3, 1, 2])),                                                // [N, 6, 6, 5]
            ("rows", try Reshape([6, 30])),
            ("swap", try Permute(order: [0, 2, 1])),                                                              // [N, 30, 6]
            ("image", try Reshape([6, 5, 6])),
            ("mix", try PointwiseConv2D(inputChannels: 6, outputChannels: 4)),
            ("sigmoid", Sigmoid()),
            ("flatten", Flatten()),
            ("fc", try Dense(inputFeatures: 6 * 5 * 4, outputFeatures: 10)),
        ])
        return Model(name: "pooling-and-shapes", inputShape: [12, 10, 4], network: network)
    }

    private static func constant(_ shape: [Int], _ low: Float, _ high: Float, seed: UInt64) throws -> Tensor {
        var generator = RandomGenerator(seed: seed)
        return try Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in generator.uniform(low, high) })
    }

    private static func graph() throws -> Model {
        let nodes: [GraphNetwork.Node] = [
            .init(name: "stem", layer: try Conv2D(inputChannels: 3, outputChannels: 8, kernelSize: 3, padding: .same), inputs: [0]),  // 1
            .init(name: "relu", layer: ReLU(), inputs: [1]),                                                                          // 2
            .init(name: "product", layer: Elementwise(.multiply), inputs: [1, 2]),                                                    // 3
            .init(name: "shift", layer: Elementwise(.subtract, constant: try constant([8], -1, 1, seed: 1), constantFirst: true),
                  inputs: [3]),                                                                                                        // 4
            .init(name: "scale", layer: Elementwise(.divide, constant: try constant([1, 1, 1, 8], 1, 2, seed: 2)), inputs: [4]),     // 5
            .init(name: "spatial", layer: Elementwise(.add, constant: try constant([1, 8, 8, 1], -1, 1, seed: 3)), inputs: [5]),     // 6
            .init(name: "joined", layer: try Concatenate(axis: 3), inputs: [5, 6, 1]),                                               // 7: [N, 8, 8, 24]
            .init(name: "squeeze", layer: GlobalAvgPool(keepDims: true), inputs: [7]),                                               // 8
            .init(name: "excite", layer: Elementwise(.multiply), inputs: [7, 8]),                                                    // 9
            .init(name: "tall", layer: try Concatenate(axis: 1), inputs: [9, 9]),                                                    // 10: [N, 16, 8, 24]
            .init(name: "block", layer: Residual(Sequential(named: [
                ("expand", try PointwiseConv2D(inputChannels: 24, outputChannels: 32)),
                ("bn", try BatchNorm(channels: 32)),
                ("act", ReLU6()),
                ("depthwise", try DepthwiseConv2D(channels: 32, kernelSize: 3, padding: .same, bias: false)),
                ("project", try PointwiseConv2D(inputChannels: 32, outputChannels: 24)),
            ])), inputs: [10]),                                                                                                       // 11
            .init(name: "down", layer: Residual(Sequential(named: [
                ("conv", try Conv2D(inputChannels: 24, outputChannels: 16, kernelSize: 3, stride: 2, padding: .explicit(1))),
                ("bn", try BatchNorm(channels: 16)),
            ]), shortcut: try Conv2D(inputChannels: 24, outputChannels: 16, kernelSize: 1, stride: 2)), inputs: [11]),              // 12: [N, 8, 4, 16]
            .init(name: "se", layer: ChannelMultiply(gate: Sequential(named: [
                ("pool", GlobalAvgPool()),
                ("reduce", try Dense(inputFeatures: 16, outputFeatures: 4, activation: .relu)),
                ("expand", try Dense(inputFeatures: 4, outputFeatures: 16)),
                ("gate", Sigmoid()),
            ])), inputs: [12]),                                                                                                       // 13
            .init(name: "se2", layer: ChannelMultiply(gate: Sequential(named: [
                ("pool", GlobalAvgPool(keepDims: true)),
                ("reduce", try PointwiseConv2D(inputChannels: 16, outputChannels: 4, activation: .relu)),
                ("expand", try PointwiseConv2D(inputChannels: 4, outputChannels: 16)),
                ("gate", HardSigmoid()),
            ])), inputs: [13]),                                                                                                       // 14
            .init(name: "pooled", layer: GlobalAvgPool(), inputs: [14]),                                                             // 15: [N, 16]
            .init(name: "bias", layer: Elementwise(.add, constant: try constant([16], -1, 1, seed: 4)), inputs: [15]),               // 16
            .init(name: "difference", layer: Elementwise(.subtract), inputs: [16, 15]),                                              // 17
            .init(name: "silu", layer: SiLU(), inputs: [17]),                                                                        // 18
            .init(name: "head", layer: try Dense(inputFeatures: 16, outputFeatures: 10), inputs: [18]),                             // 19
        ]
        return Model(name: "graph", inputShape: [8, 8, 3], network: try GraphNetwork(nodes: nodes, output: 19))
    }

    /// An image comes out (NCHW in the file), after a softmax over channels and a round trip
    /// through storage-order reshapes.
    private static func imageOutput() throws -> Model {
        let network = Sequential(named: [
            ("conv", try Conv2D(inputChannels: 3, outputChannels: 6, kernelSize: 3, padding: .same)),
            ("bn", try BatchNorm(channels: 6)),
            ("softmax", Softmax()),
            ("toChannelsFirst", try Permute(order: [0, 3, 1, 2])),
            ("planes", try Reshape([6, 35])),
            ("softmaxPlanes", Softmax()),
            ("image", try Reshape([6, 5, 7])),
            ("toChannelsLast", try Permute(order: [0, 2, 3, 1])),
            ("scale", try Conv2D(inputChannels: 6, outputChannels: 4, kernelSize: 1)),
        ])
        return Model(name: "image-output", inputShape: [5, 7, 3], network: network)
    }
}

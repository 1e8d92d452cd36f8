import Foundation
import Testing
@testable import SepCNN

/// Small random networks of every coupled structure, and the reference a pruned network must equal.
enum PruningTestNetworks {
    /// A model whose every weight and buffer is random (BatchNorm γ and β included, so no channel is special).
    static func randomized(_ model: Model, seed: UInt64) -> Model {
        var generator = RandomGenerator(seed: seed)
        for (name, parameter) in model.namedParameters() where !name.hasSuffix("weight") || parameter.shape.count == 1 {
            let low: Float = name.hasSuffix("runningVar") || name.hasSuffix("weight") ? 0.5 : -0.5
            parameter.value = Tensor(uncheckedShape: parameter.shape, scalars: (0..<parameter.count).map { _ in generator.uniform(low, low + 1) })
        }
        return model
    }

    /// Built-in models small enough for tests: residual stages, depthwise chains, flatten → dense.
    static let builtIn: [(name: String, options: ModelOptions)] = [
        ("fashion-sepcnn", ModelOptions(resolution: 8)),
        ("fashion-sepcnn-standard", ModelOptions(resolution: 8)),
        ("sepcnn-example", ModelOptions(resolution: 8)),
        ("sepcnn-example-keras", ModelOptions(resolution: 8)),
        ("mobilenet-v1", ModelOptions(widthMultiplier: 0.25, resolution: 32, classes: 5)),
        ("mobilenet-v2", ModelOptions(widthMultiplier: 0.5, resolution: 32, classes: 5)),
    ]

    /// Squeeze-and-excitation (pointwise and dense gates), a depthwise multiplier and a concatenation
    /// of branches in one `Sequential` tree.
    static func sequentialBlocks() throws -> Model {
        let network = Sequential(named: [
            ("stem", try convUnit(Conv2D(inputChannels: 3, outputChannels: 12, kernelSize: 3, padding: .same, bias: false),
                                  channels: 12, activation: HardSwish(), epsilon: 1e-3, momentum: 0.1)),
            ("dw", try DepthwiseConv2D(channels: 12, kernelSize: 3, padding: .same, depthMultiplier: 2)),
            ("se", ChannelMultiply(gate: Sequential(named: [
                ("pool", GlobalAvgPool(keepDims: true)),
                ("reduce", try PointwiseConv2D(inputChannels: 24, outputChannels: 6, activation: .relu)),
                ("expand", try PointwiseConv2D(inputChannels: 6, outputChannels: 24)),
                ("gate", HardSigmoid()),
            ]))),
            ("project", try PointwiseConv2D(inputChannels: 24, outputChannels: 10)),
            ("bn", try BatchNorm(channels: 10)),
            ("block", Residual(Sequential(named: [
                ("expand", try PointwiseConv2D(inputChannels: 10, outputChannels: 20, activation: .relu6)),
                ("dw", try DepthwiseConv2D(channels: 20, kernelSize: 3, padding: .same, activation: .relu6)),
                ("se", ChannelMultiply(gate: Sequential(named: [
                    ("pool", GlobalAvgPool()),
                    ("reduce", try Dense(inputFeatures: 20, outputFeatures: 5, activation: .relu)),
                    ("expand", try Dense(inputFeatures: 5, outputFeatures: 20)),
                    ("gate", Sigmoid()),
                ]))),
                ("project", try PointwiseConv2D(inputChannels: 20, outputChannels: 10)),
            ]))),
            ("separable", try SeparableConv2D(inputChannels: 10, outputChannels: 16, kernelSize: 3, stride: 2, padding: .same)),
            ("pool", try MaxPool2D(poolSize: 2)),
            ("flatten", Flatten()),
            ("dropout", try Dropout(rate: 0.1)),
            ("fc", try Dense(inputFeatures: 16 * 2 * 2, outputFeatures: 7)),
        ])
        return Model(name: "sequential-blocks", inputShape: [8, 8, 3], network: network)
    }

    /// An imported-style graph: a residual sum of two nodes, a squeeze-and-excitation multiply of
    /// a [N, 1, 1, C] gate, a channel concatenation, per-channel constants, and an NCHW flatten into a dense layer.
    static func graph() throws -> Model {
        typealias Node = GraphNetwork.Node
        var generator = RandomGenerator(seed: 3)
        func constant(_ shape: [Int]) -> Tensor {
            Tensor(uncheckedShape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in generator.uniform(0.5, 1.5) })
        }
        let network = try GraphNetwork(nodes: [
            Node(name: "stem", layer: try Conv2D(inputChannels: 3, outputChannels: 8, kernelSize: 3, padding: .same), inputs: [0]),    // 1
            Node(name: "bn", layer: try BatchNorm(channels: 8), inputs: [1]),                                                          // 2
            Node(name: "relu", layer: ReLU(), inputs: [2]),                                                                            // 3
            Node(name: "dw", layer: try Conv2D(inputChannels: 8, outputChannels: 8, kernelSize: 3, padding: .same, groups: 8), inputs: [3]), // 4
            Node(name: "sum", layer: Elementwise(.add), inputs: [3, 4]),                                                               // 5
            Node(name: "squeeze", layer: GlobalAvgPool(keepDims: true), inputs: [5]),                                                  // 6
            Node(name: "reduce", layer: try PointwiseConv2D(inputChannels: 8, outputChannels: 4, activation: .relu), inputs: [6]),    // 7
            Node(name: "expand", layer: try PointwiseConv2D(inputChannels: 4, outputChannels: 8), inputs: [7]),                       // 8
            Node(name: "gate", layer: Sigmoid(), inputs: [8]),                                                                         // 9
            Node(name: "excite", layer: Elementwise(.multiply), inputs: [5, 9]),                                                       // 10
            Node(name: "branch", layer: try PointwiseConv2D(inputChannels: 8, outputChannels: 6), inputs: [10]),                      // 11
            Node(name: "scale", layer: Elementwise(.multiply, constant: constant([6])), inputs: [11]),                                // 12
            Node(name: "cat", layer: try Concatenate(axis: 3), inputs: [10, 12]),                                                      // 13: 14 channels
            Node(name: "shift", layer: Elementwise(.subtract, constant: constant([1, 1, 1, 14]), constantFirst: true), inputs: [13]), // 14
            Node(name: "spatial", layer: Elementwise(.add, constant: constant([1, 6, 6, 1])), inputs: [14]),                          // 15
            Node(name: "nchw", layer: try Permute(order: [0, 3, 1, 2]), inputs: [15]),                                                 // 16
            Node(name: "flat", layer: try Reshape([14 * 6 * 6]), inputs: [16]),                                                        // 17
            Node(name: "fc", layer: try Dense(inputFeatures: 14 * 36, outputFeatures: 5), inputs: [17]),                              // 18
        ], output: 18)
        return Model(name: "graph", inputShape: [6, 6, 3], network: network)
    }

    /// A random choice of channels to remove from each group (possibly none, never all).
    static func randomRemoval(_ graph: DependencyGraph, seed: UInt64) -> [Int: Set<Int>] {
        var generator = RandomGenerator(seed: seed)
        var removed: [Int: Set<Int>] = [:]
        for group in graph.groups {
            let count = Int(generator.uniform(0, Float(group.channels) - 0.01))
            var channels = Set<Int>()
            while channels.count < count { channels.insert(Int(generator.uniform(0, Float(group.channels) - 0.01))) }
            removed[group.index] = channels
        }
        return removed
    }

    /// A copy of `model` in which every layer that sums over a removed channel has its weights for
    /// that channel zeroed: what the pruned model must compute.
    static func zeroingRemovedInputs(_ model: Model, _ graph: DependencyGraph, _ removed: [Int: Set<Int>]) throws -> Model {
        let copy = try Model(model.modelDescription())
        let old = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, $0.parameter.value) })
        for (name, parameter) in copy.namedParameters() { try parameter.assign(old[name]!) }
        let layers = Dictionary(uniqueKeysWithValues: copy.network.namedLayers().map { ($0.name, $0.layer) })
        for (operation, selection) in try graph.selections(removing: removed) where operation.layer.makesNewChannels {
            let kept = Set(selection.input.kept)
            let (channels, stride) = (selection.input.channels, selection.input.stride)
            let weight: Parameter, outputs: Int, inputChannel: (Int) -> Int
            switch layers[operation.path] {
            case let conv as Conv2D: (weight, outputs) = (conv.weight, conv.outputChannels); inputChannel = { ($0 / outputs) % channels }
            case let pointwise as PointwiseConv2D: (weight, outputs) = (pointwise.weight, pointwise.outputChannels); inputChannel = { $0 / outputs }
            case let dense as Dense: (weight, outputs) = (dense.weight, dense.outputFeatures); inputChannel = { ($0 / outputs / stride) % channels }
            default: Issue.record("unexpected consumer \(operation.path)"); continue
            }
            var scalars = weight.value.scalars
            for i in scalars.indices where !kept.contains(inputChannel(i)) { scalars[i] = 0 }
            try weight.assign(Tensor(shape: weight.shape, scalars: scalars))
        }
        return copy
    }
}

/// `x · gate(x)`, channel by channel: the gate computes one factor per image and channel
/// (`[N, C]` or `[N, 1, 1, C]`) that scales every pixel. This is squeeze-and-excitation
/// (MobileNetV3, EfficientNet) when the gate is GlobalAvgPool → 1×1 conv → ReLU → 1×1 conv → HardSigmoid.
///
/// The gate's layers are this layer's children directly (`features.4.se.reduce.weight`).
public final class ChannelMultiply: Layer {
    public let gate: Sequential
    private let multiplication = Multiply()

    /// - Parameter gate: the layers that compute each image's per-channel factors from the input,
    ///   ending in `[N, C]` or `[N, 1, 1, C]` (squeeze-and-excitation's pool → reduce → expand → gate).
    public init(gate: Sequential) {
        self.gate = gate
    }

    public var children: [(name: String, layer: any Layer)] { gate.layers }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        try multiplication.outputShape(inputShape, gate.outputShape(for: inputShape))
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        try multiplication(input, gate.forward(input, training: training))
    }

    public func trace(name: String, inputShape: [Int], into records: inout [LayerRecord]) throws -> [Int] {
        let factors = try gate.trace(name: name, inputShape: inputShape, into: &records)
        let output = try multiplication.outputShape(inputShape, factors)
        records.append(LayerRecord(name: "\(name).multiply", layer: multiplication, inputShape: inputShape, outputShape: output))
        return output
    }

    /// Both branches get gradients: x directly (scaled by the gate) and through the gate's layers.
    public func forwardWithPullback(_ input: Tensor, training: Bool) throws -> (output: Tensor, pullback: Pullback) {
        let (factors, gateBack) = try gate.forwardWithPullback(input, training: training)
        let output = try multiplication(input, factors)
        return (output, { gradOutput in
            try requireGradientShape(gradOutput, output.shape, "ChannelMultiply")
            let s = output.shape
            var gradInput = Tensor(uncheckedShape: s)
            var gradFactors = Tensor(uncheckedShape: factors.shape)
            input.withPointer { x in
                factors.withPointer { f in
                    gradOutput.withPointer { dy in
                        gradInput.withMutablePointer { dx in
                            multiplyChannels(dy, gate: f, output: dx, batch: s[0], pixels: s[1] * s[2], channels: s[3])
                        }
                        gradFactors.withMutablePointer { df in
                            multiplyChannelsGateGradient(x, gradOutput: dy, gradGate: df, batch: s[0], pixels: s[1] * s[2], channels: s[3])
                        }
                    }
                }
            }
            let throughGate = try gateBack(gradFactors)
            gradInput.withMutablePointer { dx in throughGate.withPointer { dg in addInPlace(dx, dg, count: throughGate.count) } }
            return gradInput
        })
    }
}

/// The broadcast product at the end of a channel gate; it appears in summaries as `Multiply`.
final class Multiply: Layer {
    func outputShape(_ x: [Int], _ gate: [Int]) throws -> [Int] {
        try requireNHWC(x, "ChannelMultiply")
        let fits = (gate.count == 2 && gate == [x[0], x[3]]) || (gate.count == 4 && gate == [x[0], 1, 1, x[3]])
        guard fits else {
            throw SepCNNError.shapeMismatch(
                "ChannelMultiply: the gate's output \(describe(gate)) must be [\(x[0]), \(x[3])] or [\(x[0]), 1, 1, \(x[3])] to scale input \(describe(x))")
        }
        return x
    }

    func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }

    func forward(_ input: Tensor, training: Bool) throws -> Tensor { input }

    func callAsFunction(_ x: Tensor, _ gate: Tensor) throws -> Tensor {
        let shape = try outputShape(x.shape, gate.shape)
        // A [N, C] gate holds the same values as [N, 1, 1, C], the shape that broadcasts.
        let gate = try gate.reshaped(to: [shape[0], 1, 1, shape[3]])
        return try BinaryOperator(.multiply, shape, gate.shape)(x, gate)
    }
}

extension ChannelMultiply: LowerableLayer {
    func lower(into builder: inout PlanBuilder, input: Int, label: String) throws -> Int {
        let factors = try builder.lower(gate, name: label, input: input)
        let shape = try multiplication.outputShape(builder.shape(of: input), builder.shape(of: factors))
        // A [N, C] gate holds the same values as [N, 1, 1, C], the shape that broadcasts.
        let product = try BinaryOperator(.multiply, shape, [shape[0], 1, 1, shape[3]])
        return builder.emit(product, inputs: [input, factors], label: PlanBuilder.join(label, "multiply"))
    }
}

extension ChannelMultiply: DescribableLayer {
    public var configuration: EmptyConfiguration { EmptyConfiguration() }

    /// The children are the gate's layers.
    ///
    /// - Parameters:
    ///   - configuration: empty: the layer has no settings.
    ///   - children: the gate's layers, in order.
    /// - Throws: ``SepCNNError`` for duplicate, empty or dotted child names.
    public convenience init(configuration: EmptyConfiguration, children: [(name: String, layer: any Layer)]) throws {
        try Sequential.requireChildNames(children.map(\.name))
        self.init(gate: Sequential(named: children.map { ($0.name, $0.layer) }))
    }
}

import Testing
@testable import SepCNN

/// The pullbacks that make imported ONNX graphs trainable, against central finite differences, with
/// the loss, step and tolerances of `GradientCheckTests` (h = 1e-2, |analytic − numeric| ≤ 3e-3 +
/// 1e-2·|numeric|): the layers the importer creates, multi-input layers perturbed one input at a time,
/// and whole graphs with a residual fan-out, a concatenation and a broadcast gate.
@Suite struct GraphGradientCheckTests {
    typealias Case = GradientCheckTests.Case
    typealias Setup = GradientCheckTests.Setup

    static func input(_ shape: [Int], seed: UInt64, avoiding kinks: [Float] = [], margin: Float = 0.05) -> Tensor {
        GradientCheckTests.input(shape, seed: seed, avoiding: kinks, margin: margin)
    }

    static func constant(_ shape: [Int], seed: UInt64, awayFromZero: Bool = false) -> Tensor {
        var r = RandomGenerator(seed: seed)
        let values = (0..<shape.reduce(1, *)).map { _ -> Float in
            let v = r.normal()
            return awayFromZero ? (v < 0 ? v - 0.8 : v + 0.8) : v
        }
        return try! Tensor(shape: shape, scalars: values)
    }

    // MARK: - Single-input layers the importer creates

    static let singleInputCases: [Case] = [
        Case(description: "reshape [3, 2, 4] → [6, 4]") { Setup(layer: try Reshape([6, 4]), input: input([2, 3, 2, 4], seed: 40)) },
        Case(description: "permute NHWC → NCHW") { Setup(layer: try Permute(order: [0, 3, 1, 2]), input: input([2, 3, 2, 4], seed: 41)) },
        Case(description: "permute of a rank-3 value") { Setup(layer: try Permute(order: [0, 2, 1]), input: input([2, 3, 5], seed: 42)) },
        Case(description: "clamp [−1, 2] (ONNX Clip)") {
            Setup(layer: try Clamp(minimum: -1, maximum: 2), input: input([2, 3, 3, 4], seed: 43, avoiding: [-1, 2]))
        },
        Case(description: "clamp with scale and offset (ONNX HardSigmoid α 0.3, β 0.4)") {
            // Kinks where 0.3x + 0.4 reaches 0 or 1.
            Setup(layer: try Clamp(minimum: 0, maximum: 1, scale: 0.3, offset: 0.4),
                  input: input([2, 3, 3, 4], seed: 44, avoiding: [-4 / 3, 2]))
        },
        Case(description: "add a per-channel constant [C]") {
            Setup(layer: Elementwise(.add, constant: constant([4], seed: 45)), input: input([2, 3, 3, 4], seed: 45))
        },
        Case(description: "constant − x, constant [1, 1, 1, C]") {
            Setup(layer: Elementwise(.subtract, constant: constant([1, 1, 1, 4], seed: 46), constantFirst: true),
                  input: input([2, 3, 3, 4], seed: 46))
        },
        Case(description: "x · constant broadcast over rows [1, H, 1, 1]") {
            Setup(layer: Elementwise(.multiply, constant: constant([1, 3, 1, 1], seed: 47)), input: input([2, 3, 5, 4], seed: 47))
        },
        Case(description: "constant · x, scalar constant first") {
            Setup(layer: Elementwise(.multiply, constant: constant([1], seed: 48), constantFirst: true), input: input([2, 7], seed: 48))
        },
        Case(description: "x ÷ constant [C]") {
            Setup(layer: Elementwise(.divide, constant: constant([4], seed: 49, awayFromZero: true)), input: input([2, 3, 3, 4], seed: 49))
        },
        Case(description: "constant ÷ x, constant [1, 1, W, 1]") {
            // x kept away from 0, where c / x is steep: the truncation error h²·c/x⁴ stays ≈ 1e-4.
            Setup(layer: Elementwise(.divide, constant: constant([1, 1, 3, 1], seed: 50), constantFirst: true),
                  input: input([2, 2, 3, 4], seed: 50, avoiding: [0], margin: 0.8))
        },
        Case(description: "maxpool 3×3 s2, asymmetric explicit padding") {
            Setup(layer: try MaxPool2D(poolSize: 3, stride: 2, padding: .explicit(top: 1, bottom: 0, left: 0, right: 2)),
                  input: GradientCheckTests.separatedInput([2, 6, 5, 3], seed: 51))
        },
        Case(description: "avgpool 2×3 s(1, 2), asymmetric explicit padding, padding not counted") {
            Setup(layer: try AvgPool2D(poolSize: Size2D(2, 3), stride: Size2D(1, 2), padding: .explicit(top: 0, bottom: 1, left: 2, right: 1)),
                  input: input([2, 4, 5, 3], seed: 52))
        },
        Case(description: "avgpool 3×3 s2, asymmetric explicit padding, padding counted") {
            Setup(layer: try AvgPool2D(poolSize: 3, stride: 2, padding: .explicit(top: 2, bottom: 1, left: 1, right: 0), countIncludesPadding: true),
                  input: input([1, 5, 6, 4], seed: 53))
        },
        Case(description: "dropout in training mode with rate 0 (an exported Dropout node)") {
            Setup(layer: try Dropout(rate: 0), input: input([2, 5], seed: 54), training: true)
        },
        Case(description: "softmax over 10 classes") { Setup(layer: Softmax(), input: input([4, 10], seed: 55)) },
    ]

    @Test(arguments: singleInputCases)
    func singleInputPullbackMatchesFiniteDifferences(_ c: Case) throws {
        try GradientCheckTests.check(c.make())
    }

    // MARK: - Multi-input layers

    struct MultiCase: CustomStringConvertible, Sendable {
        let description: String
        let make: @Sendable () throws -> (layer: any MultiInputLayer, inputs: [Tensor])
    }

    static let multiInputCases: [MultiCase] = [
        MultiCase(description: "add, squeeze-and-excitation shaped [N, 1, 1, C] operand") {
            (Elementwise(.add), [input([2, 3, 4, 5], seed: 60), input([2, 1, 1, 5], seed: 61)])
        },
        MultiCase(description: "add, equal shapes (a residual)") {
            (Elementwise(.add), [input([2, 3, 3, 4], seed: 62), input([2, 3, 3, 4], seed: 63)])
        },
        MultiCase(description: "subtract, both operands broadcast [2, 1, 4, 1] − [1, 3, 1, 5]") {
            (Elementwise(.subtract), [input([2, 1, 4, 1], seed: 64), input([1, 3, 1, 5], seed: 65)])
        },
        MultiCase(description: "multiply by a broadcast gate [N, 1, 1, C]") {
            (Elementwise(.multiply), [input([2, 3, 4, 5], seed: 66), input([2, 1, 1, 5], seed: 67)])
        },
        MultiCase(description: "multiply, gate first and of lower rank [C]") {
            (Elementwise(.multiply), [input([5], seed: 68), input([2, 3, 4, 5], seed: 69)])
        },
        MultiCase(description: "divide, [2, 3, 1, 5] ÷ [2, 1, 4, 5]") {
            (Elementwise(.divide), [input([2, 3, 1, 5], seed: 70), input([2, 1, 4, 5], seed: 71, avoiding: [0], margin: 0.8)])
        },
        MultiCase(description: "divide by a scalar-shaped [1, 1, 1, 1] value") {
            (Elementwise(.divide), [input([2, 2, 3, 3], seed: 72), input([1, 1, 1, 1], seed: 73, avoiding: [0], margin: 0.8)])
        },
        MultiCase(description: "concatenate three on channels") {
            (try Concatenate(axis: 3), [input([2, 3, 2, 4], seed: 74), input([2, 3, 2, 1], seed: 75), input([2, 3, 2, 3], seed: 76)])
        },
        MultiCase(description: "concatenate on height") {
            (try Concatenate(axis: 1), [input([2, 1, 3, 2], seed: 77), input([2, 3, 3, 2], seed: 78)])
        },
        MultiCase(description: "concatenate [N, F] features") {
            (try Concatenate(axis: 1), [input([3, 4], seed: 79), input([3, 2], seed: 80)])
        },
    ]

    @Test(arguments: multiInputCases)
    func multiInputPullbackMatchesFiniteDifferences(_ c: MultiCase) throws {
        let (layer, inputs) = try c.make()
        let h: Float = 1e-2
        var r = RandomGenerator(seed: 99)
        let output = try layer.forward(inputs, training: false)
        let weights = (0..<output.count).map { _ in r.normal() }
        let (value, pullback) = try layer.forwardWithPullback(inputs, training: false)
        #expect(value.maxAbsoluteDifference(output) <= 1e-6, "forwardWithPullback's output differs from forward's")
        let gradients = try pullback(Tensor(shape: output.shape, scalars: weights))
        try #require(gradients.count == inputs.count)
        var current = inputs
        var worst: String?
        for k in inputs.indices {
            #expect(gradients[k].shape == inputs[k].shape)
            for i in 0..<inputs[k].count {
                current[k].scalars[i] += h
                let plus = GradientCheckTests.loss(try layer.forward(current, training: false), weights)
                current[k].scalars[i] -= 2 * h
                let minus = GradientCheckTests.loss(try layer.forward(current, training: false), weights)
                current[k].scalars[i] += h
                let numeric = Float((plus - minus) / Double(2 * h)), analytic = gradients[k].scalars[i]
                if !(abs(analytic - numeric) <= 3e-3 + 1e-2 * abs(numeric)) && worst == nil {
                    worst = "input \(k)[\(i)]: analytic \(analytic), numeric \(numeric)"
                }
            }
        }
        #expect(worst == nil, "first mismatch: \(worst ?? "")")
        for (name, p) in layer.namedParameters() { #expect(p.gradient == nil, "the constant \(name) is a buffer, never trained") }
    }

    // MARK: - Graphs

    /// conv → BN → SiLU (value 3) feeds a depthwise conv, a residual Add and a 1×1 branch; the sum
    /// is scaled by a squeeze-and-excitation gate (pool → 1×1 → ReLU → 1×1 → hard sigmoid → broadcast
    /// Multiply), joined with the branch by a channel concatenation, shifted by a constant, laid out
    /// NCHW and flattened as an ONNX import does, and classified.
    static func residualGateConcatGraph() throws -> GraphNetwork {
        try Random.withSeed(81) {
            let n = { (name: String, layer: any Layer, inputs: [Int]) in GraphNetwork.Node(name: name, layer: layer, inputs: inputs) }
            return try GraphNetwork(nodes: [
                n("stem", try Conv2D(inputChannels: 3, outputChannels: 4, kernelSize: 3, padding: .explicit(1)), [0]),   // 1
                n("bn", try BatchNorm(channels: 4), [1]),                                                               // 2
                n("act", SiLU(), [2]),                                                                                   // 3
                n("depthwise", try DepthwiseConv2D(channels: 4, kernelSize: 3, padding: .explicit(1)), [3]),            // 4
                n("residual", Elementwise(.add), [4, 3]),                                                               // 5
                n("squeeze", GlobalAvgPool(keepDims: true), [5]),                                                       // 6
                n("reduce", try PointwiseConv2D(inputChannels: 4, outputChannels: 2), [6]),                             // 7
                n("relu", ReLU(), [7]),                                                                                  // 8
                n("expand", try PointwiseConv2D(inputChannels: 2, outputChannels: 4), [8]),                             // 9
                n("gate", HardSigmoid(), [9]),                                                                           // 10
                n("excite", Elementwise(.multiply), [5, 10]),                                                           // 11
                n("branch", try PointwiseConv2D(inputChannels: 4, outputChannels: 2), [3]),                             // 12
                n("concat", try Concatenate(axis: 3), [11, 12]),                                                        // 13
                n("shift", Elementwise(.subtract, constant: try Tensor(shape: [1], scalars: [0.25]), constantFirst: true), [13]), // 14
                n("toNCHW", try Permute(order: [0, 3, 1, 2]), [14]),                                                    // 15
                n("flatten", try Reshape([6 * 3 * 3]), [15]),                                                           // 16
                n("classifier", try Dense(inputFeatures: 54, outputFeatures: 3), [16]),                                 // 17
            ], output: 17)
        }
    }

    static let graphCases: [Case] = [
        Case(description: "graph: residual fan-out, broadcast gate, concatenation, training-mode BN") {
            Setup(layer: try residualGateConcatGraph(), input: input([2, 3, 3, 3], seed: 82), training: true)
        },
        Case(description: "graph: a value read twice by one node (x · x) and the output read by a later node") {
            let graph = try GraphNetwork(nodes: [
                GraphNetwork.Node(name: "square", layer: Elementwise(.multiply), inputs: [0, 0]),
                GraphNetwork.Node(name: "scale", layer: try Random.withSeed(83) { try PointwiseConv2D(inputChannels: 2, outputChannels: 2) }, inputs: [1]),
                GraphNetwork.Node(name: "sum", layer: Elementwise(.add), inputs: [2, 0]),
                GraphNetwork.Node(name: "unused", layer: Sigmoid(), inputs: [3]),
            ], output: 3)
            return Setup(layer: graph, input: input([2, 2, 3, 2], seed: 83))
        },
    ]

    @Test(arguments: graphCases)
    func graphPullbackMatchesFiniteDifferences(_ c: Case) throws {
        try GradientCheckTests.check(c.make())
    }
}

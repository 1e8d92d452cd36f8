import Testing
@testable import SepCNN

/// Every layer's pullback against central finite differences of the scalar loss
/// L = Σ output · R (R fixed and random, so every output element matters).
///
/// Float32 throughout, with step h = 1e-2: the loss is summed in Double, so its error is float32
/// rounding of the outputs, about 1e-7 · Σ|y·R| ≈ 1e-5 here; divided by 2h that is ≈ 1e-3 in a
/// derivative. The truncation error of a central difference is h²/6 · f‴ ≈ 2e-5 for these smooth
/// layers. Hence |analytic − numeric| ≤ 3e-3 + 1e-2 · |numeric|. Inputs of layers with kinks
/// (ReLU's 0, ReLU6's 6, hard swish's ±3, pooling's ties) are kept more than 2h away from them,
/// where the finite difference is exact for those pieces.
@Suite struct GradientCheckTests {
    struct Setup {
        var layer: any Layer
        var input: Tensor
        var training = false
    }

    struct Case: CustomStringConvertible, Sendable {
        let description: String
        let make: @Sendable () throws -> Setup
    }

    /// A random input with every element at least `margin` away from each of `kinks`.
    static func input(_ shape: [Int], seed: UInt64, avoiding kinks: [Float] = [], margin: Float = 0.05) -> Tensor {
        var r = RandomGenerator(seed: seed)
        let count = shape.reduce(1, *)
        var values: [Float] = []
        while values.count < count {
            let v = r.normal(standardDeviation: kinks.contains { abs($0) > 1 } ? 3 : 1)
            if kinks.allSatisfy({ abs(v - $0) > margin }) { values.append(v) }
        }
        return try! Tensor(shape: shape, scalars: values)
    }

    /// An input whose elements are distinct and at least 0.05 apart (pooling windows have no near-ties).
    static func separatedInput(_ shape: [Int], seed: UInt64) -> Tensor {
        var r = RandomGenerator(seed: seed)
        var values = (0..<shape.reduce(1, *)).map { Float($0) * 0.05 }
        for i in stride(from: values.count - 1, to: 0, by: -1) { values.swapAt(i, Int(r.next() % UInt64(i + 1))) }
        return try! Tensor(shape: shape, scalars: values)
    }

    static func loss(_ output: Tensor, _ weights: [Float]) -> Double {
        zip(output.scalars, weights).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }

    static func check(_ setup: Setup, h: Float = 1e-2, rtol: Float = 1e-2, atol: Float = 3e-3) throws {
        let layer = setup.layer
        var r = RandomGenerator(seed: 99)
        let output = try layer.forward(setup.input, training: setup.training)
        let weights = (0..<output.count).map { _ in r.normal() }
        let upstream = try Tensor(shape: output.shape, scalars: weights)
        for (_, p) in layer.namedParameters() { p.gradient = nil }
        let (value, pullback) = try layer.forwardWithPullback(setup.input, training: setup.training)
        #expect(value.maxAbsoluteDifference(output) <= 1e-6, "forwardWithPullback's output differs from forward's")
        let gradInput = try pullback(upstream)
        #expect(gradInput.shape == setup.input.shape)

        var currentInput = setup.input
        func numeric(_ perturb: (Float) -> Void) throws -> Float {
            perturb(h)
            let plus = Self.loss(try layer.forward(currentInput, training: setup.training), weights)
            perturb(-2 * h)
            let minus = Self.loss(try layer.forward(currentInput, training: setup.training), weights)
            perturb(h)
            return Float((plus - minus) / Double(2 * h))
        }
        var worst: (String, Float, Float)?
        func compare(_ what: String, _ analytic: Float, _ numeric: Float) {
            if !(abs(analytic - numeric) <= atol + rtol * abs(numeric)) && worst == nil { worst = (what, analytic, numeric) }
        }
        for i in 0..<currentInput.count {
            let d = try numeric { currentInput.scalars[i] += $0 }
            compare("input[\(i)]", gradInput.scalars[i], d)
        }
        for (name, p) in layer.namedParameters() where p.isTrainable {
            let gradient = try #require(p.gradient, "\(name) has no gradient")
            #expect(gradient.shape == p.shape)
            for i in 0..<p.count {
                let d = try numeric { p.value.scalars[i] += $0 }
                compare("\(name)[\(i)]", gradient.scalars[i], d)
            }
        }
        for (name, p) in layer.namedParameters() where !p.isTrainable {
            #expect(p.gradient == nil, "frozen \(name) got a gradient")
        }
        #expect(worst == nil, "first mismatch: \(worst.map { "\($0.0): analytic \($0.1), numeric \($0.2)" } ?? "")")
    }

    static func seeded<T>(_ seed: UInt64, _ make: () throws -> T) rethrows -> T {
        try Random.withSeed(seed, make)
    }

    static let cases: [Case] = [
        Case(description: "depthwise 3×3 s1 pad 1, C3, N2") {
            Setup(layer: try seeded(1) { try DepthwiseConv2D(channels: 3, kernelSize: 3, padding: .explicit(1)) },
                  input: input([2, 5, 6, 3], seed: 1))
        },
        Case(description: "depthwise 3×3 s2 same, C17") {
            Setup(layer: try seeded(2) { try DepthwiseConv2D(channels: 17, kernelSize: 3, stride: 2, padding: .same) },
                  input: input([1, 6, 9, 17], seed: 2))
        },
        Case(description: "depthwise 3×3 s1 pad 1, C16, wide rows, SiLU fused") {
            Setup(layer: try seeded(37) { try DepthwiseConv2D(channels: 16, kernelSize: 3, padding: .explicit(1), activation: .silu) },
                  input: input([2, 3, 9, 16], seed: 37))
        },
        Case(description: "depthwise 3×3 dilation 2, asymmetric explicit padding, no bias") {
            Setup(layer: try seeded(3) {
                try DepthwiseConv2D(channels: 4, kernelSize: 3, padding: .explicit(top: 2, bottom: 0, left: 1, right: 3),
                                    dilation: 2, bias: false)
            }, input: input([2, 6, 6, 4], seed: 3))
        },
        Case(description: "depthwise 3×3 multiplier 2, stride 2×1, valid") {
            Setup(layer: try seeded(4) { try DepthwiseConv2D(channels: 3, kernelSize: 3, stride: Size2D(2, 1), depthMultiplier: 2) },
                  input: input([2, 7, 5, 3], seed: 4))
        },
        Case(description: "depthwise 5×5 s2 same, C18, SiLU fused") {
            Setup(layer: try seeded(5) { try DepthwiseConv2D(channels: 18, kernelSize: 5, stride: 2, padding: .same, activation: .silu) },
                  input: input([1, 7, 6, 18], seed: 5))
        },
        Case(description: "conv 3×3 s2 same, groups 1, N2") {
            Setup(layer: try seeded(6) { try Conv2D(inputChannels: 3, outputChannels: 5, kernelSize: 3, stride: 2, padding: .same) },
                  input: input([2, 6, 5, 3], seed: 6))
        },
        Case(description: "conv 3×3 groups 2, dilation 2, asymmetric padding, sigmoid fused") {
            Setup(layer: try seeded(7) {
                try Conv2D(inputChannels: 4, outputChannels: 6, kernelSize: 3, padding: .explicit(top: 1, bottom: 2, left: 0, right: 2),
                           dilation: 2, groups: 2, activation: .sigmoid)
            }, input: input([2, 5, 5, 4], seed: 7))
        },
        Case(description: "conv 5×5 s2 pad 2, no bias") {
            Setup(layer: try seeded(8) { try Conv2D(inputChannels: 2, outputChannels: 3, kernelSize: 5, stride: 2, padding: .explicit(2), bias: false) },
                  input: input([1, 7, 7, 2], seed: 8))
        },
        Case(description: "conv groups = channels (depthwise path), multiplier 2") {
            Setup(layer: try seeded(9) { try Conv2D(inputChannels: 3, outputChannels: 6, kernelSize: 3, padding: .explicit(1), groups: 3) },
                  input: input([2, 4, 4, 3], seed: 9))
        },
        Case(description: "pointwise 20→5, N2") {
            Setup(layer: try seeded(10) { try PointwiseConv2D(inputChannels: 20, outputChannels: 5) }, input: input([2, 3, 2, 20], seed: 10))
        },
        Case(description: "pointwise 3→17, hard swish fused") {
            Setup(layer: try seeded(11) { try PointwiseConv2D(inputChannels: 3, outputChannels: 17, activation: .hardSwish) },
                  input: input([2, 2, 2, 3], seed: 11))
        },
        Case(description: "separable 3×3 s1 same, 5→7") {
            Setup(layer: try seeded(12) { try SeparableConv2D(inputChannels: 5, outputChannels: 7, kernelSize: 3, padding: .same) },
                  input: input([2, 4, 5, 5], seed: 12))
        },
        Case(description: "dense 13→6, N3") {
            Setup(layer: try seeded(13) { try Dense(inputFeatures: 13, outputFeatures: 6) }, input: input([3, 13], seed: 13))
        },
        Case(description: "batchnorm training NHWC, C5") {
            Setup(layer: try BatchNorm(channels: 5), input: input([2, 3, 3, 5], seed: 14), training: true)
        },
        Case(description: "batchnorm training [N, F], F18") {
            Setup(layer: try BatchNorm(channels: 18), input: input([4, 18], seed: 15), training: true)
        },
        Case(description: "batchnorm eval (frozen statistics)") {
            let bn = try BatchNorm(channels: 3)
            try bn.runningMean.assign(Tensor(shape: [3], scalars: [0.5, -1, 2]))
            try bn.runningVar.assign(Tensor(shape: [3], scalars: [2, 0.5, 1.5]))
            try bn.weight.assign(Tensor(shape: [3], scalars: [1.5, -0.5, 2]))
            return Setup(layer: bn, input: input([2, 2, 3, 3], seed: 16))
        },
        Case(description: "relu") { Setup(layer: ReLU(), input: input([2, 3, 3, 4], seed: 17, avoiding: [0])) },
        Case(description: "relu6") { Setup(layer: ReLU6(), input: input([2, 3, 3, 4], seed: 18, avoiding: [0, 6])) },
        Case(description: "hard swish") { Setup(layer: HardSwish(), input: input([2, 3, 3, 4], seed: 19, avoiding: [-3, 3])) },
        Case(description: "hard sigmoid") { Setup(layer: HardSigmoid(), input: input([2, 3, 3, 4], seed: 20, avoiding: [-3, 3])) },
        Case(description: "sigmoid") { Setup(layer: Sigmoid(), input: input([2, 3, 3, 4], seed: 21)) },
        Case(description: "silu") { Setup(layer: SiLU(), input: input([2, 3, 3, 4], seed: 22)) },
        Case(description: "softmax") { Setup(layer: Softmax(), input: input([3, 7], seed: 23)) },
        Case(description: "maxpool 2×2 s2, odd size") { Setup(layer: try MaxPool2D(poolSize: 2), input: separatedInput([2, 5, 4, 3], seed: 24)) },
        Case(description: "maxpool 3×3 s2 same (overlapping windows)") {
            Setup(layer: try MaxPool2D(poolSize: 3, stride: 2, padding: .same), input: separatedInput([1, 6, 5, 17], seed: 25))
        },
        Case(description: "avgpool 3×3 s2 pad 1, padding not counted") {
            Setup(layer: try AvgPool2D(poolSize: 3, stride: 2, padding: .explicit(1)), input: input([2, 5, 6, 3], seed: 26))
        },
        Case(description: "avgpool 3×3 s2 pad 1, padding counted") {
            Setup(layer: try AvgPool2D(poolSize: 3, stride: 2, padding: .explicit(1), countIncludesPadding: true),
                  input: input([2, 5, 6, 3], seed: 27))
        },
        Case(description: "global average pool") { Setup(layer: GlobalAvgPool(), input: input([2, 3, 4, 5], seed: 28)) },
        Case(description: "global average pool, keepDims") { Setup(layer: GlobalAvgPool(keepDims: true), input: input([2, 3, 4, 5], seed: 29)) },
        Case(description: "flatten") { Setup(layer: Flatten(), input: input([2, 3, 2, 2], seed: 30)) },
        Case(description: "dropout in inference mode") { Setup(layer: try Dropout(rate: 0.5), input: input([2, 7], seed: 31)) },
        Case(description: "sequential: separable, batchnorm, silu, pool, dense") {
            let network = try seeded(32) {
                Sequential([try SeparableConv2D(inputChannels: 3, outputChannels: 4, kernelSize: 3, padding: .same), try BatchNorm(channels: 4),
                            SiLU(), GlobalAvgPool(), try Dense(inputFeatures: 4, outputFeatures: 3)])
            }
            return Setup(layer: network, input: input([2, 4, 4, 3], seed: 32), training: true)
        },
        Case(description: "residual without shortcut layer") {
            let body = try seeded(33) { Sequential([try PointwiseConv2D(inputChannels: 4, outputChannels: 4), SiLU(),
                                                    try DepthwiseConv2D(channels: 4, kernelSize: 3, padding: .same)]) }
            return Setup(layer: Residual(body), input: input([2, 3, 3, 4], seed: 33))
        },
        Case(description: "residual with a strided shortcut") {
            let (body, shortcut) = try seeded(34) {
                (Sequential([try DepthwiseConv2D(channels: 3, kernelSize: 3, stride: 2, padding: .same),
                             try PointwiseConv2D(inputChannels: 3, outputChannels: 5)]),
                 try Conv2D(inputChannels: 3, outputChannels: 5, kernelSize: 1, stride: 2))
            }
            return Setup(layer: Residual(body, shortcut: shortcut), input: input([2, 5, 4, 3], seed: 34))
        },
        Case(description: "channel multiply (squeeze-and-excitation gate)") {
            let gate = try seeded(35) {
                Sequential([GlobalAvgPool(keepDims: true), try PointwiseConv2D(inputChannels: 6, outputChannels: 3), SiLU(),
                            try PointwiseConv2D(inputChannels: 3, outputChannels: 6), Sigmoid()])
            }
            return Setup(layer: ChannelMultiply(gate: gate), input: input([2, 3, 3, 6], seed: 35))
        },
        Case(description: "channel multiply, [N, C] gate") {
            let gate = try seeded(36) { Sequential([GlobalAvgPool(), try Dense(inputFeatures: 5, outputFeatures: 5), HardSigmoid()]) }
            return Setup(layer: ChannelMultiply(gate: gate), input: input([2, 2, 3, 5], seed: 36))
        },
    ]

    @Test(arguments: cases)
    func pullbackMatchesFiniteDifferences(_ c: Case) throws {
        try Self.check(c.make())
    }
}

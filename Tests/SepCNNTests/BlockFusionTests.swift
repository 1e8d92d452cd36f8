import Testing
@testable import SepCNN

/// Separable blocks run band by band (`FusedBlockStep`) compute what their separate steps compute.
/// Tolerance: 1e-5 · (1 + |x|). Each output is the same sums in the same order as the unfused
/// steps (same GEMM K blocking, same depthwise taps), so in practice they agree to the bit; the
/// margin only allows a different row tiling to pick another microkernel.
@Suite struct BlockFusionTests {
    static func agree(_ a: Tensor, _ b: Tensor, tolerance: Float = 1e-5) -> Bool {
        a.shape == b.shape && zip(a.scalars, b.scalars).allSatisfy { abs($0 - $1) <= tolerance * (1 + abs($1)) }
    }

    struct Case: CustomStringConvertible {
        var batch: Int, height: Int, width: Int, channels: Int, expansion: Int, outputChannels: Int
        var kernel: Int, stride: Int, dilation: Int, multiplier: Int, padding: Padding
        var expands: Bool, residual: Bool, activation: Activation
        var description: String {
            "n\(batch) \(height)x\(width)x\(channels) e\(expansion) k\(kernel) s\(stride) d\(dilation) m\(multiplier) \(padding) "
                + "→\(outputChannels) expand:\(expands) residual:\(residual) \(activation)"
        }
    }

    static func randomCases(count: Int, seed: UInt64) -> [Case] {
        var r = RandomGenerator(seed: seed)
        func pick<T>(_ options: [T]) -> T { options[Int(r.next() % UInt64(options.count))] }
        return (0..<count).map { _ in
            let stride = pick([1, 1, 2])
            let kernel = pick([3, 3, 5, 1, 2])
            let paddings: [Padding] = [.same, .valid, .explicit(1), .explicit(top: 2, bottom: 0, left: 1, right: 2)]
            var c = Case(batch: pick([1, 2]), height: stride * 28 + pick([0, 1, 3, 9]), width: pick([1, 2, 5, 7, 12]),
                         channels: pick([1, 3, 8, 17]), expansion: pick([1, 6, 19]), outputChannels: pick([3, 16, 21]),
                         kernel: kernel, stride: stride, dilation: pick([1, 1, 2]), multiplier: pick([1, 1, 2]),
                         padding: pick(paddings), expands: pick([true, true, false]), residual: false,
                         activation: pick([Activation.relu6, .relu, .hardSwish, .linear, .sigmoid]))
            c.width = max(c.width, (c.kernel - 1) * c.dilation + 1)  // so that even `valid` leaves a column
            // A residual needs the block to keep its shape: stride 1, same padding, as many outputs as inputs.
            if c.stride == 1, c.multiplier == 1, c.dilation == 1, c.kernel % 2 == 1, pick([true, false]) {
                c.padding = .same
                c.residual = true
                c.outputChannels = c.channels
            }
            return c
        }
    }

    static func network(_ c: Case) throws -> any Layer {
        let mid = c.expands ? c.channels * c.expansion : c.channels
        var layers: [any Layer] = []
        if c.expands {
            layers.append(try PointwiseConv2D(inputChannels: c.channels, outputChannels: mid, activation: c.activation))
        }
        layers.append(try DepthwiseConv2D(channels: mid, kernelSize: Size2D(c.kernel), stride: Size2D(c.stride),
                                          padding: c.padding, dilation: Size2D(c.dilation), depthMultiplier: c.multiplier,
                                          activation: c.activation))
        layers.append(try PointwiseConv2D(inputChannels: mid * c.multiplier, outputChannels: c.outputChannels))
        let body = Sequential(layers)
        return c.residual ? Residual(body) : body
    }

    @Test(arguments: randomCases(count: 60, seed: 41))
    func fusedBlockMatchesSeparateSteps(_ c: Case) throws {
        let network = try Random.withSeed(42) { try Self.network(c) }
        var r = RandomGenerator(seed: 43)
        let input = try Tensor.normal([c.batch, c.height, c.width, c.channels], using: &r)
        let outputHeight = try network.outputShape(for: input.shape)[1]
        for threads in [1, 2, 3] {
            let pool = ThreadPool(threads: threads)
            let fused = try InferencePlan(network, inputShape: input.shape, pool: pool, fusingBlocks: true)
            let separate = try InferencePlan(network, inputShape: input.shape, pool: pool, fusingBlocks: false)
            #expect(fused.steps.contains { $0 is FusedBlockStep } == (outputHeight >= BlockFusion.minimumOutputHeight))
            #expect(Self.agree(try fused(input), try separate(input)), "\(c), \(threads) threads")
        }
    }

    @Test func mobileNetV2BlocksAreFusedAndAgree() throws {
        let model = try Random.withSeed(44) {
            try ModelZoo.make("mobilenet-v2", options: ModelOptions(widthMultiplier: 0.35, resolution: 112, classes: 10))
        }
        try InferencePlanTests.randomiseBatchNorms(model, seed: 45)
        var r = RandomGenerator(seed: 46)
        let input = try Tensor.normal([2] + model.inputShape, using: &r)
        let fused = try InferencePlan(model, batch: 2)
        let blocks = fused.steps.compactMap { $0 as? FusedBlockStep }
        // 112 px: features.1 (no expand, 56 rows), features.2 (stride 2 to 28), features.3 (residual at 28).
        #expect(blocks.contains { $0.expand == nil })
        #expect(blocks.contains { $0.residual })
        #expect(blocks.contains { $0.geometry.strideHeight == 2 })
        let separate = try InferencePlan(model.network, inputShape: [2] + model.inputShape, pool: .shared, fusingBlocks: false)
        let expected = try model(input)
        #expect(Self.agree(try fused(input), try separate(input)))
        #expect(InferencePlanTests.agree(try fused(input), expected))
    }

    @Test func bandsFitTheBudget() throws {
        let model = try ModelZoo.make("mobilenet-v2")
        let plan = try InferencePlan(model)
        let blocks = plan.steps.compactMap { $0 as? FusedBlockStep }
        #expect(!blocks.isEmpty)
        for block in blocks {
            let bytes = FusedBlockStep.bandFloats(block.geometry, rows: block.bandRows, expands: block.expand != nil) * 4
            #expect(block.bandRows == 1 || bytes <= FusedBlockStep.bandBudgetBytes, "\(block.label): \(block.bandRows) rows, \(bytes) B")
        }
    }
}

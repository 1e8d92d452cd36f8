import Testing
@testable import SepCNN

/// Quantized separable blocks run band by band (`QS8FusedBlockStep`) give exactly what their
/// separate int8 steps give: every value is the same integer sums requantized the same way, only
/// computed a band of rows at a time.
@Suite struct QS8BlockFusionTests {
    /// BlockFusionTests' random blocks with activations the int8 kernels take.
    static let cases: [BlockFusionTests.Case] = BlockFusionTests.randomCases(count: 40, seed: 51).enumerated().map { i, c in
        var c = c
        c.activation = [Activation.relu6, .relu, .linear][i % 3]
        return c
    }

    static func quantized(_ c: BlockFusionTests.Case) throws -> Model {
        let network = try Random.withSeed(52) { try BlockFusionTests.network(c) }
        let model = Model(name: "block", inputShape: [c.height, c.width, c.channels], network: network)
        var r = RandomGenerator(seed: 53)
        return try PostTrainingQuantizer().quantize(model, calibrationBatches: [try Tensor.normal([2] + model.inputShape, using: &r)])
    }

    @Test(arguments: cases)
    func fusedInt8BlockEqualsSeparateSteps(_ c: BlockFusionTests.Case) throws {
        let int8 = try Self.quantized(c)
        var r = RandomGenerator(seed: 54)
        let input = try Tensor.normal([c.batch, c.height, c.width, c.channels], using: &r)
        let outputHeight = try int8.network.outputShape(for: input.shape)[1]
        // A single channel is not depthwise-shaped for the int8 operators (they run it as a GEMM or im2col).
        let fuses = outputHeight >= BlockFusion.minimumOutputHeight && (c.expands ? c.channels * c.expansion : c.channels) > 1
        for threads in [1, 2, 3] {
            let pool = ThreadPool(threads: threads)
            let fused = try InferencePlan(int8.network, inputShape: input.shape, pool: pool, fusingBlocks: true)
            let separate = try InferencePlan(int8.network, inputShape: input.shape, pool: pool, fusingBlocks: false)
            #expect(!separate.int8Steps.isEmpty, "\(c): the block did not quantize")
            let blocks = fused.steps.compactMap { $0 as? QS8FusedBlockStep }
            // int8 blocks fuse in one-thread plans only (BlockFusion.apply).
            #expect(blocks.isEmpty == (!fuses || threads > 1), "\(c): \(fused.stepDescriptions)")
            #expect(blocks.allSatisfy { ($0.residual != nil) == c.residual }, "\(c)")
            #expect(try fused(input).scalars == (try separate(input)).scalars, "\(c), \(threads) threads")
        }
        // The fused step itself stays exact on several threads.
        for threads in [2, 3] {
            let pool = ThreadPool(threads: threads)
            let separate = try InferencePlan(int8.network, inputShape: input.shape, pool: pool, fusingBlocks: false)
            let forced = try InferencePlan(int8.network, inputShape: input.shape, pool: pool, fusingBlocks: true, fusingInt8: true)
            #expect(forced.steps.contains { $0 is QS8FusedBlockStep } == fuses, "\(c)")
            #expect(try forced(input).scalars == (try separate(input)).scalars, "\(c), \(threads) threads, int8 fused")
        }
    }

    @Test func mobileNetV2sInt8BlocksAreFusedAndEqualTheSeparateSteps() throws {
        let options = ModelOptions(widthMultiplier: 0.35, resolution: 112, classes: 10)
        let (_, int8, batches) = try QuantizationTests.quantized("mobilenet-v2", options: options)
        let input = batches[0]
        let fused = try InferencePlan(int8.network, inputShape: input.shape, pool: ThreadPool(threads: 1))
        let blocks = fused.steps.compactMap { $0 as? QS8FusedBlockStep }
        // 112 px: features.1 (no expand, 56 rows), features.2 (stride 2 to 28), features.3 (residual at 28).
        #expect(blocks.contains { $0.expand == nil })
        #expect(blocks.contains { $0.residual != nil })
        #expect(blocks.contains { $0.geometry.strideHeight == 2 })
        let separate = try InferencePlan(int8.network, inputShape: input.shape, pool: ThreadPool(threads: 1), fusingBlocks: false)
        #expect(try fused(input).scalars == (try separate(input)).scalars)
    }
}

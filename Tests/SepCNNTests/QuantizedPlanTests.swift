import Foundation
import Testing
@testable import SepCNN

/// A quantized model's inference plan runs its convolutions, additions and pooling on the int8
/// kernels and computes what the layer path (fake quantization in float) computes, up to the
/// rounding of integer accumulation. Both round every intermediate value to its grid, so where the
/// float sum lands within a hair of a rounding boundary the two can pick neighbouring steps, and one
/// step early on moves the output by a few steps: most outputs agree within a step, the worst by a few.
@Suite struct QuantizedPlanTests {
    /// The largest difference between the plan's and the layer path's outputs, in output steps.
    static func planAgreement(_ int8: Model, _ input: Tensor, threads: Int = 1,
                              meanSteps: Float = 0.5) throws -> (steps: Float, plan: InferencePlan) {
        let plan = try InferencePlan(int8.network, inputShape: input.shape, pool: ThreadPool(threads: threads))
        let expected = try int8(input), actual = try plan(input)
        let step = try #require(int8.network.namedLayers().last { $0.layer is FakeQuantize }?.layer as? FakeQuantize).quantization.scale
        let differences = zip(expected.scalars, actual.scalars).map { abs($0 - $1) / step }
        let mean = differences.reduce(0, +) / Float(differences.count)
        #expect(mean <= meanSteps, "plan and layer path differ by \(mean) output steps on average")
        return (differences.max()!, plan)
    }

    @Test func aQuantizedSepCNNRunsEveryLayerOnInt8Kernels() throws {
        let (_, int8, batches) = try QuantizationTests.quantized("fashion-sepcnn")
        let (steps, plan) = try Self.planAgreement(int8, batches[0])
        #expect(steps <= 3, "plan and layer path differ by \(steps) output steps")
        #expect(plan.floatStepsBetweenInt8.isEmpty, "\(plan.floatStepsBetweenInt8)")
        // 6 convolutions, the classifier, 2 max pools, the global pool; the two separable blocks at 28×28 one step each.
        #expect(plan.int8Steps.count == 8, "\(plan.int8Steps)")
        #expect(plan.steps.contains { $0 is QS8FusedBlockStep })
        #expect(!plan.steps.contains { $0 is LayerStep })
        #expect(plan.stepDescriptions.first == "input_quant" && plan.stepDescriptions.last == "dequantize")
    }

    @Test(arguments: [(0.35, 1), (0.35, 2), (0.35, 3), (1.0, 1)])
    func aQuantizedMobileNetV2AddsItsResidualsInInt8(width: Double, threads: Int) throws {
        let options = ModelOptions(widthMultiplier: width, resolution: 32, classes: 7)
        let (_, int8, batches) = try QuantizationTests.quantized("mobilenet-v2", options: options)
        let (steps, plan) = try Self.planAgreement(int8, batches[0], threads: threads)
        #expect(steps <= 4, "plan and layer path differ by \(steps) output steps")
        #expect(plan.steps.filter { $0 is QS8AddStep }.count == 10)
        #expect(plan.floatStepsBetweenInt8.isEmpty, "\(plan.floatStepsBetweenInt8)")
    }

    /// Untrained BatchNorm statistics leave MobileNetV2's features at 10⁻⁸: the classifier's bias at
    /// s_in · s_w would saturate int32 (found by the QDQ export tests: 150 steps off, silently). The
    /// quantizer raises such channels' weight scales, as TFLite's converter does, so every layer
    /// still runs in int8 and every bias fits.
    @Test func theQuantizerSizesWeightScalesSoEveryBiasFitsInt32() throws {
        let model = try Random.withSeed(5) {
            try ModelZoo.make("mobilenet-v2", options: ModelOptions(widthMultiplier: 0.25, resolution: 32, classes: 10))
        }
        var generator = RandomGenerator(seed: 9)
        let int8 = try PostTrainingQuantizer().quantize(model, calibrationBatches: [try Tensor.normal([4] + model.inputShape, using: &generator)])
        let (steps, plan) = try Self.planAgreement(int8, try Tensor.normal([1] + model.inputShape, using: &generator))
        #expect(steps <= 1)
        #expect(plan.floatStepsBetweenInt8.isEmpty, "\(plan.floatStepsBetweenInt8)")
        let classifier = try #require(int8.network.namedLayers().first { $0.name == "classifier" }?.layer as? Dense)
        let grid = try #require(PlanBuilder.convolutionInputGrids(int8)[ObjectIdentifier(classifier)])
        let scales = try #require(classifier.weight.quantization?.scales)
        #expect(PlanBuilder.biasFitsInt32(classifier.folded.bias, inputScale: grid.scale, weightScales: scales))
    }

    /// A file whose weight scales leave a bias beyond int32 (made elsewhere) runs that layer in float.
    @Test func aLayerWhoseBiasWouldSaturateInt32RunsInFloat() throws {
        let model = try Random.withSeed(5) {
            try ModelZoo.make("mobilenet-v2", options: ModelOptions(widthMultiplier: 0.25, resolution: 32, classes: 10))
        }
        var generator = RandomGenerator(seed: 9)
        let int8 = try PostTrainingQuantizer().quantize(model, calibrationBatches: [try Tensor.normal([4] + model.inputShape, using: &generator)])
        let classifier = try #require(int8.network.namedLayers().first { $0.name == "classifier" }?.layer as? Dense)
        let channels = classifier.outputFeatures
        classifier.bias?.value = try Tensor(shape: [channels], scalars: [Float](repeating: 1e6, count: channels))
        let (steps, plan) = try Self.planAgreement(int8, try Tensor.normal([1] + model.inputShape, using: &generator))
        #expect(steps <= 1)
        #expect(plan.floatStepsBetweenInt8 == ["classifier + classifier_quant"])
    }

    @Test func anOperationWithoutAnInt8KernelRunsInFloatBetweenDequantizeAndQuantize() throws {
        let model = try Random.withSeed(3) {
            Model(name: "hs", inputShape: [6, 6, 3], network: Sequential(named: [
                ("conv", try Conv2D(inputChannels: 3, outputChannels: 8, kernelSize: 3, padding: .explicit(1))),
                ("act", HardSwish()),
                ("pointwise", try PointwiseConv2D(inputChannels: 8, outputChannels: 4)),
            ]))
        }
        let batches = try QuantizationTests.calibrationBatches(for: model)
        let int8 = try PostTrainingQuantizer().quantize(model, calibrationBatches: batches)
        let (steps, plan) = try Self.planAgreement(int8, batches[1])
        #expect(steps <= 3)
        #expect(plan.floatStepsBetweenInt8 == ["act"])
        #expect(plan.stepDescriptions.filter { $0 == "dequantize" }.count == 2)  // before the HardSwish, and at the output
    }

    @Test func aQuantizedGraphRunsOnInt8Kernels() throws {
        // The layers draw their weights inside the seeded block: from the shared generator, their
        // values (and so this small case's roundings) depended on which tests ran before.
        let model = try Random.withSeed(5) {
            Model(name: "graph", inputShape: [9, 9, 3], network: try GraphNetwork(nodes: [
                .init(name: "conv", layer: try Conv2D(inputChannels: 3, outputChannels: 8, kernelSize: 3, stride: 2, padding: .explicit(1)), inputs: [0]),
                .init(name: "relu", layer: ReLU(), inputs: [1]),
                .init(name: "dw", layer: try DepthwiseConv2D(channels: 8, kernelSize: 3, padding: .explicit(1)), inputs: [2]),
                .init(name: "add", layer: Elementwise(.add), inputs: [3, 2]),
                .init(name: "pool", layer: GlobalAvgPool(), inputs: [4]),
                .init(name: "fc", layer: try Dense(inputFeatures: 8, outputFeatures: 5), inputs: [5]),
            ], output: 6))
        }
        let batches = try QuantizationTests.calibrationBatches(for: model)
        let int8 = try PostTrainingQuantizer().quantize(model, calibrationBatches: batches)
        // 20 outputs only: one flipped rounding moves the mean a lot.
        let (steps, plan) = try Self.planAgreement(int8, batches[2], meanSteps: 1)
        #expect(steps <= 4)
        #expect(plan.floatStepsBetweenInt8.isEmpty, "\(plan.floatStepsBetweenInt8)")
        #expect(plan.steps.contains { $0 is QS8AddStep })
    }

    @Test func aFloatModelsPlanHasNoInt8Steps() throws {
        let model = try Random.withSeed(31) { try ModelZoo.make("fashion-sepcnn") }
        let plan = try InferencePlan(model, batch: 2)
        #expect(plan.int8Steps.isEmpty && plan.floatStepsBetweenInt8.isEmpty)
    }
}

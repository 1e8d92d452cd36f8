import Foundation
import Testing
@testable import SepCNN

/// Post-training quantization as the layer path sees it: BatchNorm folded, ranges calibrated,
/// weights on the int8 grid, and the result an ordinary model that saves and loads.
@Suite struct QuantizationTests {
    static func calibrationBatches(for model: Model, count: Int = 3, batch: Int = 4, seed: UInt64 = 21) throws -> [Tensor] {
        var generator = RandomGenerator(seed: seed)
        return try (0..<count).map { _ in try Tensor.normal([batch] + model.inputShape, using: &generator) }
    }

    static func quantized(_ name: String, options: ModelOptions = ModelOptions(),
                          method: CalibrationMethod = .minmax) throws -> (float: Model, int8: Model, batches: [Tensor]) {
        let model = try Random.withSeed(31) { ModelDescriptionTests.withRandomBuffers(try ModelZoo.make(name, options: options)) }
        let batches = try calibrationBatches(for: model)
        return (model, try PostTrainingQuantizer(method: method).quantize(model, calibrationBatches: batches), batches)
    }

    @Test func quantizingFoldsBatchNormAndPutsEveryWeightOnTheInt8Grid() throws {
        let (_, int8, _) = try Self.quantized("fashion-sepcnn")
        let layers = int8.network.namedLayers()
        #expect(!layers.contains { $0.layer is BatchNorm })
        let weights = layers.compactMap { $0.layer is any FoldableLayer ? $0.layer.ownParameters.first { $0.name == "weight" }?.parameter : nil }
        #expect(weights.count == 7)
        for weight in weights {
            let quantization = try #require(weight.quantization)
            let q = try #require(weight.quantizedValues)
            #expect(q.allSatisfy { $0 >= -127 })
            #expect(quantization.dequantize(q) == weight.value.scalars)
        }
        // The input, each block's ReLU and the classifier's output get a scale; pooling keeps its input's.
        #expect(layers.filter { $0.layer is FakeQuantize }.map(\.name)
                == ["input_quant", "block1.depthwise_quant", "block1.relu_quant", "block2.depthwise_quant", "block2.relu_quant",
                    "block3.depthwise_quant", "block3.relu_quant", "classifier_quant"])
    }

    @Test func theQuantizedModelKeepsTheClassNames() throws {
        let model = try Random.withSeed(31) { try ModelZoo.make("fashion-sepcnn") }
        model.classNames = (0..<10).map { "class-\($0)" }
        let int8 = try PostTrainingQuantizer().quantize(model, calibrationBatches: try Self.calibrationBatches(for: model))
        #expect(int8.classNames == model.classNames)
    }

    @Test func theQuantizedModelComputesNearlyWhatTheFloatOneDoes() throws {
        let (float, int8, batches) = try Self.quantized("fashion-sepcnn")
        let expected = try float(batches[0]), actual = try int8(batches[0])
        let scale = try #require(int8.network.namedLayers().last { $0.layer is FakeQuantize }?.layer as? FakeQuantize).quantization.scale
        let worst = zip(expected.scalars, actual.scalars).map { abs($0 - $1) }.max() ?? 0
        #expect(worst > 0, "quantization changed nothing: it was skipped")
        #expect(worst < 8 * scale, "output differs by \(worst / scale) steps")
    }

    @Test func aQuantizedModelSavesInt8WeightsAndLoadsBackTheSame() throws {
        let (_, int8, batches) = try Self.quantized("fashion-sepcnn")
        let url = ModelFileTests.temporaryURL()
        defer { try? FileManager.default.removeItem(at: url) }
        try ModelFile.save(int8, to: url)
        let file = try SafetensorsFile(contentsOf: url)
        let dtypes = Dictionary(uniqueKeysWithValues: file.entries.map { ($0.name, $0.dtype) })
        #expect(dtypes["block1.pointwise.weight"] == .int8)
        #expect(dtypes["block1.pointwise.weight_scale"] == .float32)
        #expect(dtypes["classifier.weight"] == .int8)
        #expect(dtypes["block1.pointwise.bias"] == .float32)
        try ModelDescriptionTests.expectRoundTrip(int8, input: batches[0])
        let loaded = try Model.load(url.path)
        for ((name, a), (_, b)) in zip(int8.namedParameters(), loaded.namedParameters()) {
            #expect(a.quantization == b.quantization, "\(name)")
        }
    }

    @Test(arguments: ["mobilenet-v2", "mobilenet-v1", "fashion-sepcnn-standard"])
    func builtInModelsQuantize(_ name: String) throws {
        let options = name.hasPrefix("mobilenet") ? ModelOptions(widthMultiplier: 0.25, resolution: 32, classes: 7) : ModelOptions()
        let (float, int8, batches) = try Self.quantized(name, options: options)
        #expect(try int8(batches[0]).shape == float(batches[0]).shape)
        #expect(!int8.network.namedLayers().contains { $0.layer is BatchNorm })
        try ModelDescriptionTests.expectRoundTrip(int8, input: batches[0])
    }

    @Test func theReportMeasuresEachPointInSteps() throws {
        let model = try Random.withSeed(31) { ModelDescriptionTests.withRandomBuffers(try ModelZoo.make("fashion-sepcnn")) }
        let batches = try Self.calibrationBatches(for: model)
        let (_, report) = try PostTrainingQuantizer().quantizeWithReport(model, calibrationBatches: batches, reportBatches: [batches[0]])
        #expect(report.points.count == 8)
        let input = try #require(report.points.first)
        // The input point sees exactly the calibration data: rounding only, nothing clipped.
        #expect(input.name == "input_quant" && input.maxErrorSteps <= 0.5 + 1e-3 && input.clippedFraction == 0)
        #expect(input.meanErrorSteps > 0.1 && input.meanErrorSteps < 0.4)
        #expect(report.points.allSatisfy { $0.meanErrorSteps.isFinite && $0.meanErrorSteps < 4 })
    }

    @Test func calibrationRefusesNoImagesImagesThatDoNotFitAndAQuantizedModel() throws {
        let model = try Random.withSeed(31) { try ModelZoo.make("fashion-sepcnn") }
        #expect(throws: SepCNNError.self) { try PostTrainingQuantizer().quantize(model, calibrationBatches: []) }
        let wrong = Tensor(uncheckedShape: [2, 32, 32, 3])
        let error = #expect(throws: SepCNNError.self) { try PostTrainingQuantizer().quantize(model, calibrationBatches: [wrong]) }
        #expect(error?.message.contains("do not fit") == true)
        let int8 = try PostTrainingQuantizer().quantize(model, calibrationBatches: try Self.calibrationBatches(for: model))
        #expect(throws: SepCNNError.self) { try PostTrainingQuantizer().quantize(int8, calibrationBatches: try Self.calibrationBatches(for: model)) }
    }

    @Test func anInt8WeightWithoutScalesOrWithABadScaleIsRefused() throws {
        let (_, int8, _) = try Self.quantized("fashion-sepcnn")
        let url = ModelFileTests.temporaryURL()
        defer { try? FileManager.default.removeItem(at: url) }
        try ModelFile.save(int8, to: url)
        let file = try SafetensorsFile(contentsOf: url)
        for (change, message) in [("drop", "has no"), ("negative", "positive")] {
            var entries = file.entries
            let index = try #require(entries.firstIndex { $0.name == "block2.pointwise.weight_scale" })
            if change == "drop" { entries.remove(at: index) } else {
                entries[index].tensor = Tensor(uncheckedShape: entries[index].tensor.shape, scalars: entries[index].tensor.scalars.map { -$0 })
            }
            try SafetensorsFile(entries: entries, metadata: file.metadata).write(to: url)
            let error = #expect(throws: SepCNNError.self) { try Model.load(url.path) }
            #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
            #expect(error?.message.contains("block2.pointwise.weight") == true)
        }
    }

    @Test func aQuantizationPointWithAZeroPointOutOfRangeOrABadScaleIsRefused() throws {
        for (configuration, message) in [(["scale": JSONValue.number(0.1), "zeroPoint": .number(200)], "outside the int8 range"),
                                         (["scale": .number(0), "zeroPoint": .number(0)], "positive and finite")] {
            let description = LayerDescription(type: "FakeQuantize", configuration: .object(configuration))
            let error = #expect(throws: SepCNNError.self) { try LayerRegistry.makeLayer(from: description) }
            #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
        }
    }

    @Test func fakeQuantizeRoundsToItsGridAndPassesGradientsInsideItsRange() throws {
        let layer = FakeQuantize(try QuantizationParameters(scale: 0.5, zeroPoint: -10))
        let input = Tensor(uncheckedShape: [5], scalars: [0.2, 0.26, -100, 100, 3.74])
        let (output, pullback) = try layer.forwardWithPullback(input, training: true)
        // q = round(x / 0.5) − 10, saturated to [−128, 127]: the range is [−59, 68.5].
        #expect(output.scalars == [0, 0.5, -59, 68.5, 3.5])
        #expect(try pullback(Tensor(uncheckedShape: [5], scalars: [1, 1, 1, 1, 1])).scalars == [1, 1, 0, 0, 1])
    }

    @Test func rangesFromMinMaxPercentileAndMSE() throws {
        var values = [Float](repeating: 0, count: 100_000)
        var generator = RandomGenerator(seed: 5)
        for i in values.indices { values[i] = generator.nextUnitFloat() * 2 - 1 }
        values[0] = 50  // one outlier
        let observer = RangeObserver()
        values.withUnsafeBufferPointer { observer.observe(UnsafeBufferPointer(rebasing: $0[0..<50_000])) }
        values.withUnsafeBufferPointer { observer.observe(UnsafeBufferPointer(rebasing: $0[50_000...])) }
        let minmax = observer.quantization(.minmax)
        #expect(abs(minmax.representableRange.upperBound - 50) < minmax.scale)
        let percentile = observer.quantization(.percentile), mse = observer.quantization(.mse)
        #expect(percentile.representableRange.upperBound < 2 && percentile.representableRange.upperBound > 0.9)
        #expect(mse.scale < minmax.scale)
        // Zero is always exact.
        for q in [minmax, percentile, mse] { #expect(q.dequantize(q.quantize(0)) == 0) }
    }
}

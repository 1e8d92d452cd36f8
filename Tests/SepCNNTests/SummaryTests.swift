import Foundation
import Testing
@testable import SepCNN

@Suite struct SummaryTests {
    @Test func jsonCarriesTheTotals() throws {
        let json = try ModelSummary(ModelZoo.make("sepcnn-example-keras")).json()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["trainableParameters"] as? Int == 164_264)
        #expect(object["nonTrainableParameters"] as? Int == 128)
        #expect(object["totalParameters"] as? Int == 164_392)
        #expect(object["macs"] as? Int == 388_096)
        let layers = try #require(object["layers"] as? [[String: Any]])
        #expect(layers.first?["name"] as? String == "depthwise_conv2d")
        #expect(layers.first?["outputShape"] as? [Int] == [1, 32, 32, 3])
    }

    @Test func tableListsLayersAndTotals() throws {
        let table = try ModelSummary(ModelZoo.make("sepcnn-example")).table()
        #expect(table.contains("depthwise"))
        #expect(table.contains("DepthwiseConv2D"))
        #expect(table.contains("[1, 16, 16, 64]"))
        #expect(table.contains("Trainable parameters:      164,264"))
        #expect(table.contains("Non-trainable parameters:  128"))
    }

    @Test func separableConv2DIsOneRowWithAllItsParameters() throws {
        let model = Model(name: "tiny", inputShape: [8, 8, 4], network: Sequential([
            try SeparableConv2D(inputChannels: 4, outputChannels: 6, kernelSize: 3, padding: .same),
        ]))
        let summary = try ModelSummary(model)
        #expect(summary.layers.count == 1)
        #expect(summary.layers[0].parameters == 3 * 3 * 4 + 4 * 6 + 6)
        #expect(summary.layers[0].macs == 8 * 8 * (9 * 4 + 4 * 6))
    }

    @Test(arguments: [(128, 128, 3, 56, 1), (32, 16, 3, 112, 1), (144, 24, 5, 28, 2), (3, 64, 3, 32, 1)])
    func layerComparisonRatioIsTheClosedForm(_ c: Int, _ m: Int, _ k: Int, _ size: Int, _ stride: Int) throws {
        let comparison = try LayerComparison(inputChannels: c, outputChannels: m, kernelSize: k, height: size, width: size, stride: stride)
        #expect(comparison.standard.parameters == k * k * c * m)
        #expect(comparison.separable.parameters == k * k * c + c * m)
        let pixels = comparison.outputShape[1] * comparison.outputShape[2]
        #expect(comparison.standard.macs == pixels * k * k * c * m)
        #expect(comparison.separable.macs == pixels * (k * k * c + c * m))
        #expect(abs(comparison.parameterRatio - comparison.closedForm) < 1e-12)
        #expect(abs(comparison.macRatio - comparison.closedForm) < 1e-12)
        #expect(comparison.standard.medianMicroseconds == nil)
    }

    @Test func modelComparisonTimesBothWhenAsked() throws {
        let comparison = try ModelComparison(model: "sepcnn-example", timing: TimingOptions(warmup: 0, repetitions: 1))
        #expect(comparison.standardModel == "sepcnn-example-standard")
        #expect(comparison.separable.parameters == 164_264)
        #expect(comparison.separable.macs < comparison.standard.macs)
        #expect((comparison.separable.medianMicroseconds ?? 0) > 0)
        #expect((comparison.standard.medianMicroseconds ?? 0) > 0)
        #expect(comparison.table().contains("Median time"))
    }

    @Test func numbersAreGroupedForReading() {
        #expect(grouped(0) == "0")
        #expect(grouped(999) == "999")
        #expect(grouped(4_231_976) == "4,231,976")
        #expect(grouped(-1234) == "-1,234")
    }
}

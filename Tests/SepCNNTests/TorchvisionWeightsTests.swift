import Foundation
import Testing
@testable import SepCNN

/// A torchvision `mobilenet_v2` state dict (saved with safetensors by
/// Scripts/make_torchvision_fixture.py) loads into the built-in `mobilenet-v2` and gives
/// torchvision's logits. Tolerance 1e-4 absolute on logits of magnitude ~1–5.
@Suite struct TorchvisionWeightsTests {
    struct Reference: Decodable {
        struct Values: Decodable { var shape: [Int]; var data: [Float] }
        var widthMultiplier: Double, resolution: Int, classes: Int
        var input: Values, output: Values
    }

    static let directory = Fixtures.directory

    @Test func torchvisionStateDictLoadsIntoMobileNetV2() throws {
        let reference = try JSONDecoder().decode(
            Reference.self, from: Data(contentsOf: Self.directory.appendingPathComponent("torchvision-mobilenet_v2.json")))
        let model = try ModelZoo.make("mobilenet-v2", options: ModelOptions(
            widthMultiplier: reference.widthMultiplier, resolution: reference.resolution, classes: reference.classes))
        try ModelFile.loadStateDictionary(from: Self.directory.appendingPathComponent("torchvision-mobilenet_v2.safetensors"), into: model)
        let logits = try model(Tensor(shape: reference.input.shape, scalars: reference.input.data))
        let worst = zip(logits.scalars, reference.output.data).map { abs($0 - $1) }.max() ?? .infinity
        #expect(logits.shape == reference.output.shape)
        #expect(worst <= 1e-4, "largest difference \(worst)")
    }

    @Test func aStateDictForAnotherWidthIsRefusedByName() throws {
        let model = try ModelZoo.make("mobilenet-v2", options: ModelOptions(widthMultiplier: 0.5, resolution: 32, classes: 10))
        #expect {
            try ModelFile.loadStateDictionary(from: Self.directory.appendingPathComponent("torchvision-mobilenet_v2.safetensors"), into: model)
        } throws: { error in
            "\(error)".contains("features.0.0.weight") && "\(error)".contains("has shape")
        }
    }

    @Test func namesMapBlockByBlock() throws {
        let model = try ModelZoo.make("mobilenet-v2", options: ModelOptions(widthMultiplier: 0.25, resolution: 32))
        let cases = [("features.0.bn.running_mean", "features.0.1.running_mean"),
                     ("features.1.depthwise.conv.weight", "features.1.conv.0.0.weight"),
                     ("features.1.project.bn.weight", "features.1.conv.2.weight"),
                     ("features.5.expand.conv.weight", "features.5.conv.0.0.weight"),
                     ("features.5.depthwise.bn.bias", "features.5.conv.1.1.bias"),
                     ("features.5.project.conv.weight", "features.5.conv.2.weight"),
                     ("features.5.project.bn.running_var", "features.5.conv.3.running_var"),
                     ("features.18.bn.num_batches_tracked", "features.18.1.num_batches_tracked"),
                     ("classifier.bias", "classifier.1.bias")]
        for (ours, theirs) in cases { #expect(TorchvisionNames.name(for: ours, in: model) == theirs) }
    }
}

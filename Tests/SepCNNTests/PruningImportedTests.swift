import Foundation
import Testing
@testable import SepCNN

/// Imported ONNX networks (torchvision's, exported by PyTorch) prune like built-in ones, and the
/// pruned model is an ordinary one: it saves, loads, plans and exports to ONNX again.
@Suite struct PruningImportedTests {
    static func imported(_ name: String) throws -> Model {
        try ONNXModel(contentsOf: ONNXFixture.directory.appendingPathComponent("\(name).onnx")).model
    }

    @Test(arguments: ["mobilenet_v2-opset17", "mobilenet_v3_small-opset17"])
    func anImportedNetworkPrunesExactly(_ name: String) throws {
        let model = try Self.imported(name)
        let graph = try DependencyGraph(model)
        #expect(graph.groups.count >= 10, "\(name): \(graph.groups.count) groups")
        try PruningEquivalenceTests.expectEquivalent(model, seed: 21)
    }

    @Test func mobileNetV3SqueezeExcitationGatesJoinTheChannelsTheyScale() throws {
        let graph = try DependencyGraph(try Self.imported("mobilenet_v3_small-opset17"))
        // A gate's last 1×1 convolution makes one factor per channel of the block's expansion:
        // it produces in the same group as the expansion's convolution.
        let gated = graph.groups.filter { $0.producers.count >= 2 && $0.consumers.count >= 2 }
        #expect(!gated.isEmpty, "groups: \(graph.groups.map(\.producers))")
    }

    @Test func aPrunedImportedModelSavesLoadsAndExports() throws {
        let model = try Self.imported("mobilenet_v2-opset17")
        let full = try ModelSummary(model).macs
        let pruned = try ChannelPruner(criterion: .l2).prune(model, target: .macs(0.6))
        #expect(try ModelSummary(pruned).macs <= full * 6 / 10)
        try ModelDescriptionTests.expectRoundTrip(pruned, input: try ModelDescriptionTests.input(for: pruned, batch: 1))
        let onnx = try ONNXExporter.serializedData(of: pruned)
        let reloaded = try ONNXModel(serializedData: onnx, name: "pruned").model
        let input = try ModelDescriptionTests.input(for: pruned, batch: 1)
        #expect(try reloaded(input).maxAbsoluteDifference(pruned(input)) < 1e-3)
    }
}

import Foundation
import Testing
@testable import SepCNN

/// Pruning a channel group and then computing equals computing the unpruned network with the
/// removed channels' contributions zeroed where they are summed, on every coupled structure.
@Suite struct PruningEquivalenceTests {
    static func expectEquivalent(_ model: Model, seed: UInt64) throws {
        let graph = try DependencyGraph(model)
        #expect(!graph.groups.isEmpty, "\(model.name) has no group")
        let removed = PruningTestNetworks.randomRemoval(graph, seed: seed)
        let pruned = try graph.prunedModel(removing: removed)
        let reference = try PruningTestNetworks.zeroingRemovedInputs(model, graph, removed)
        let input = try ModelDescriptionTests.input(for: model, batch: 2, seed: seed)
        let expected = try reference(input)
        let scale = max(1, expected.scalars.map(abs).max() ?? 0)
        #expect(try pruned(input).maxAbsoluteDifference(expected) <= 1e-4 * scale, "\(model.name)")
        #expect(try InferencePlan(pruned, batch: 2)(input).maxAbsoluteDifference(expected) <= 1e-4 * scale, "\(model.name) (plan)")
        // Fewer parameters exactly when something was removed; never a change in the output's shape.
        let before = try ModelSummary(model), after = try ModelSummary(pruned)
        if removed.values.contains(where: { !$0.isEmpty }) { #expect(after.totalParameters < before.totalParameters) }
        #expect(try pruned.network.outputShape(for: [1] + pruned.inputShape) == model.network.outputShape(for: [1] + model.inputShape))
    }

    @Test(arguments: PruningTestNetworks.builtIn.map(\.name))
    func builtInModels(_ name: String) throws {
        let options = PruningTestNetworks.builtIn.first { $0.name == name }!.options
        for seed in [UInt64(1), 2] {
            let model = try Random.withSeed(seed) { PruningTestNetworks.randomized(try ModelZoo.make(name, options: options), seed: seed) }
            try Self.expectEquivalent(model, seed: seed + 10)
        }
    }

    @Test func squeezeExcitationDepthwiseMultiplierResidualAndFlatten() throws {
        for seed in [UInt64(3), 4, 5] {
            let model = try Random.withSeed(seed) { PruningTestNetworks.randomized(try PruningTestNetworks.sequentialBlocks(), seed: seed) }
            try Self.expectEquivalent(model, seed: seed)
        }
    }

    @Test func importedStyleGraph() throws {
        for seed in [UInt64(6), 7, 8] {
            let model = try Random.withSeed(seed) { PruningTestNetworks.randomized(try PruningTestNetworks.graph(), seed: seed) }
            try Self.expectEquivalent(model, seed: seed)
        }
    }

    @Test func handBuiltModelsOfTheDescriptionTests() throws {
        for make in [ModelDescriptionTests.handBuiltModel, ModelDescriptionTests.handBuiltGraph] {
            let model = try Random.withSeed(9) { PruningTestNetworks.randomized(try make(), seed: 9) }
            try Self.expectEquivalent(model, seed: 9)
        }
    }
}

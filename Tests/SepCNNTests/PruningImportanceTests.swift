import Foundation
import Testing
@testable import SepCNN

/// Each criterion removes the channels it ranks lowest.
@Suite struct PruningImportanceTests {
    static func model(seed: UInt64 = 1) throws -> Model {
        try Random.withSeed(seed) { PruningTestNetworks.randomized(try ModelZoo.make("fashion-sepcnn", options: ModelOptions(resolution: 8)), seed: seed) }
    }

    @Test func batchNormScaleKeepsTheLargestGammas() throws {
        let model = try Self.model()
        let gamma: [Float] = (0..<32).map { (i: Int) -> Float in Float(i % 2 == 0 ? 2 + i : -1 - i) * 0.01 }  // |γ| grows with the index
        let bn = try #require(model.network.namedLayers().first { $0.name == "block1.bn" }?.layer as? BatchNorm)
        try bn.weight.assign(Tensor(shape: [32], scalars: gamma))
        let pruned = try ChannelPruner(criterion: .bn, roundTo: 1).prune(model, target: .ratio(0.25))
        let kept = try #require(pruned.namedParameters().first { $0.name == "block1.bn.weight" }).parameter.value.scalars
        #expect(kept == Array(gamma[8...]))
    }

    @Test(arguments: [PruningCriterion.l1, .l2])
    func filterNormsKeepTheLargestFilters(_ criterion: PruningCriterion) throws {
        let model = try Self.model()
        let pointwise = try #require(model.network.namedLayers().first { $0.name == "block2.pointwise" }?.layer as? PointwiseConv2D)
        // Output channel j's filter scaled by j + 1: the first 16 are the smallest.
        var w = pointwise.weight.value.scalars
        for i in w.indices { w[i] = (w[i] >= 0 ? 1 : -1) * Float(i % 64 + 1) }
        try pointwise.weight.assign(Tensor(shape: pointwise.weight.shape, scalars: w))
        let graph = try DependencyGraph(model)
        let removed = try ChannelPruner(criterion: criterion, roundTo: 1).selection(graph, target: .ratio(0.25))
        #expect(removed[1] == Set(0..<16))
    }

    @Test func taylorScoresAChannelNothingReadsAsZero() throws {
        let model = try Self.model()
        let classifier = try #require(model.network.namedLayers().first { $0.name == "classifier" }?.layer as? Dense)
        var w = classifier.weight.value.scalars
        for k in 0..<10 { w[5 * 10 + k] = 0 }  // channel 5 of the last block reaches no logit
        try classifier.weight.assign(Tensor(shape: classifier.weight.shape, scalars: w))
        let data = try PruningData(try Dataset.embeddedFashionMNIST().train, for: model, batches: 2, batchSize: 16)
        let scores = try DependencyGraph(model).importance(.taylor, data: data)
        #expect(scores[2][5] == 0)
        #expect(scores[2].filter { $0 > 0 }.count > 32)  // a channel ReLU silences on every image scores 0 too
        #expect(scores.allSatisfy { $0.allSatisfy(\.isFinite) })
        #expect(model.namedParameters().allSatisfy { $0.parameter.gradient == nil })
        let pruned = try ChannelPruner(criterion: .taylor, roundTo: 1).prune(model, target: .ratio(0.5), data: data)
        #expect(try DependencyGraph(pruned).groups.map(\.channels) == [16, 32, 64])
    }

    @Test func globalRankingKeepsAMinimumInEveryGroup() throws {
        let model = try Self.model()
        let pruner = ChannelPruner(criterion: .l1, global: true, roundTo: 1, minimumKeptFraction: 0.25)
        let pruned = try pruner.prune(model, target: .ratio(0.9))
        let widths = try DependencyGraph(pruned).groups.map(\.channels)
        #expect(zip(widths, [8, 16, 32]).allSatisfy { $0 >= $1 })
        #expect(zip(widths, [8, 16, 32]).contains { $0 == $1 })
        #expect(widths.reduce(0, +) <= 224 - 202 + 40)  // 202 of 224 ranked for removal; the minimum keeps some back
    }

    @Test func globalRankingPrunesUnevenly() throws {
        let model = try Self.model()
        // Half of block1's channels have tiny filters (the pointwise filter making them and the
        // depthwise filter reading them): ranked globally by normalised score, they go first.
        for name in ["block1.pointwise.weight", "block2.depthwise.weight"] {
            let weight = try #require(model.namedParameters().first { $0.name == name }).parameter
            try weight.assign(Tensor(shape: weight.shape, scalars: weight.value.scalars.indices.map { $0 % 32 < 16 ? 0.001 : 1 }))
        }
        let graph = try DependencyGraph(model)
        let removed = try ChannelPruner(criterion: .l1, global: true, roundTo: 1).selection(graph, target: .ratio(0.07))
        #expect(removed[0] == Set(0..<16))
    }
}

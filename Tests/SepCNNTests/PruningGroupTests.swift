import Foundation
import Testing
@testable import SepCNN

/// Dependency groups found from the graph: which channels go together.
@Suite struct PruningGroupTests {
    @Test func aSeparableChainHasOneGroupPerPointwiseConvolution() throws {
        let graph = try DependencyGraph(try ModelZoo.make("fashion-sepcnn"))
        #expect(graph.groups.map(\.producers) == [["block1.pointwise"], ["block2.pointwise"], ["block3.pointwise"]])
        #expect(graph.groups.map(\.channels) == [32, 64, 128])
        // The depthwise convolution after a pointwise one passes its channels through; the next pointwise sums them.
        #expect(graph.groups[0].members == ["block1.bn", "block1.relu", "block2.depthwise"])
        #expect(graph.groups[0].consumers == ["block2.pointwise"])
        #expect(graph.groups[2].consumers == ["classifier"])
    }

    @Test func mobileNetV2ResidualStagesAreOneGroupEach() throws {
        let graph = try DependencyGraph(try ModelZoo.make("mobilenet-v2", options: ModelOptions(resolution: 32)))
        // The stem, 16 expansions, 7 stages (every block of a stage adds into the same channels), the last 1×1.
        #expect(graph.groups.count == 25)
        let stage24 = try #require(graph.groups.first { $0.producers.contains("features.2.project.conv") })
        #expect(stage24.producers == ["features.2.project.conv", "features.3.project.conv"])
        #expect(stage24.channels == 24)
        #expect(stage24.consumers == ["features.3.expand.conv", "features.4.expand.conv"])
        let stage64 = try #require(graph.groups.first { $0.producers.contains("features.7.project.conv") })
        #expect(stage64.producers == (7...10).map { "features.\($0).project.conv" })
        // The classifier's outputs are never in a group.
        #expect(!graph.groups.contains { $0.producers.contains("classifier") })
        #expect(graph.groups.last?.consumers == ["classifier"])
    }

    @Test func aGraphJoinsResidualSumsGatesAndConcatenations() throws {
        let graph = try DependencyGraph(try PruningTestNetworks.graph())
        #expect(graph.groups.map(\.producers) == [["stem", "expand"], ["reduce"], ["branch"]])
        #expect(graph.groups.map(\.channels) == [8, 4, 6])
        // The stem's channels reach the dense layer through the concatenation and the NCHW flatten.
        #expect(graph.groups[0].consumers == ["reduce", "branch", "fc"])
        #expect(graph.groups[0].members.contains("dw") && graph.groups[0].members.contains("cat"))
        #expect(graph.groups[2].consumers == ["fc"])
    }

    @Test func grouppedConvolutionsAndUnknownLayersAreLeftWhole() throws {
        // The hand-built model's shortcut has 2 groups of 4 channels: its input and output stay whole,
        // and so do the channels joined to them by the residual sum.
        let graph = try DependencyGraph(try ModelDescriptionTests.handBuiltModel())
        #expect(!graph.groups.contains { $0.producers.contains("down.shortcut") })
        #expect(graph.groups.map(\.producers) == [["block.se.reduce"]])
    }

    @Test func squeezeExcitationJoinsTheGateWithTheChannelsItScales() throws {
        let graph = try DependencyGraph(try PruningTestNetworks.sequentialBlocks())
        let stem = try #require(graph.groups.first { $0.producers.first == "stem.conv" })
        // Depthwise multiplier 2: each stem channel owns two depthwise outputs, and the gate's factor for each.
        #expect(stem.channels == 12)
        #expect(stem.producers == ["stem.conv", "se.expand"])
        #expect(stem.consumers == ["se.reduce", "project"])
        let block = try #require(graph.groups.first { $0.producers.first == "project" })
        #expect(block.producers == ["project", "block.project"])
        #expect(graph.groups.contains { $0.producers == ["block.se.expand"] } == false)
    }
}

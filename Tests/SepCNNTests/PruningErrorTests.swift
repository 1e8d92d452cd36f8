import Foundation
import Testing
@testable import SepCNN

/// Bad input to pruning is refused with a message that says what was wrong.
@Suite struct PruningErrorTests {
    static func message(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch let error as SepCNNError { return error.description } catch { return "\(error)" }
    }

    static var model: Model { try! Random.withSeed(1) { try ModelZoo.make("fashion-sepcnn") } }

    @Test(arguments: [0, 1, -0.5, 1.5])
    func aRatioOutsideTheOpenUnitInterval(_ ratio: Double) {
        let text = Self.message { _ = try ChannelPruner().prune(Self.model, target: .ratio(ratio)) }
        #expect(text?.contains("the pruning ratio must lie strictly between 0 and 1") == true, "\(text ?? "no error")")
    }

    @Test func aMACTargetOutOfRange() {
        let text = Self.message { _ = try ChannelPruner().prune(Self.model, target: .macs(1.2)) }
        #expect(text?.contains("MAC target must be a fraction strictly between 0 and 1") == true, "\(text ?? "no error")")
    }

    @Test func anUnreachableTarget() {
        let text = Self.message { _ = try ChannelPruner().prune(Self.model, target: .macs(0.01)) }
        #expect(text?.contains("a MAC target of 1.0 % cannot be reached") == true, "\(text ?? "no error")")
    }

    @Test func aModelWithNoPrunableGroup() throws {
        let linear = Model(name: "linear", inputShape: [4, 4, 1], network: Sequential(named: [
            ("flatten", Flatten()), ("classifier", try Dense(inputFeatures: 16, outputFeatures: 3)),
        ]))
        let text = Self.message { _ = try ChannelPruner().prune(linear, target: .ratio(0.5)) }
        #expect(text?.contains("model linear has no prunable channel group") == true, "\(text ?? "no error")")
        // Groups no larger than the rounding cannot shrink either.
        let narrow = Self.message { _ = try ChannelPruner(roundTo: 128).prune(Self.model, target: .ratio(0.5)) }
        #expect(narrow?.contains("every group is at most 128 channels") == true, "\(narrow ?? "no error")")
    }

    /// The command refuses a hopeless target before reading data or timing: the check needs no scores,
    /// and it refuses exactly what the selection itself would (local and global ranking alike).
    @Test(arguments: [false, true])
    func reachabilityIsKnownBeforeAnyScore(_ global: Bool) throws {
        let graph = try DependencyGraph(Self.model)
        let taylor = ChannelPruner(criterion: .taylor, global: global)
        let text = Self.message { try taylor.requireReachable(graph, target: .macs(0.01)) }
        #expect(text?.contains("a MAC target of 1.0 % cannot be reached") == true, "\(text ?? "no error")")
        let l1 = ChannelPruner(criterion: .l1, global: global)
        for fraction in stride(from: 0.05, through: 0.3, by: 0.01) {
            let early = Self.message { try l1.requireReachable(graph, target: .macs(fraction)) }
            let late = Self.message { _ = try l1.selection(graph, target: .macs(fraction)) }
            #expect(early == late, "fraction \(fraction): \(early ?? "reachable") against \(late ?? "reachable")")
        }
    }

    @Test func taylorWithoutData() {
        let text = Self.message { _ = try ChannelPruner(criterion: .taylor).prune(Self.model, target: .ratio(0.5)) }
        #expect(text?.contains("the taylor criterion needs labelled images") == true, "\(text ?? "no error")")
    }

    @Test func batchNormScaleWithoutBatchNorm() throws {
        let bare = Model(name: "bare", inputShape: [4, 4, 1], network: Sequential(named: [
            ("conv", try Conv2D(inputChannels: 1, outputChannels: 32, kernelSize: 3, padding: .same)),
            ("pool", GlobalAvgPool()), ("classifier", try Dense(inputFeatures: 32, outputFeatures: 3)),
        ]))
        let text = Self.message { _ = try ChannelPruner(criterion: .bn).prune(bare, target: .ratio(0.5)) }
        #expect(text?.contains("group conv passes no BatchNorm") == true, "\(text ?? "no error")")
    }

    @Test func removingEveryChannelOfAGroup() throws {
        let graph = try DependencyGraph(Self.model)
        let text = Self.message { _ = try graph.prunedModel(removing: [0: Set(0..<32)]) }
        #expect(text?.contains("group block1.pointwise would lose all of its 32 channels") == true, "\(text ?? "no error")")
    }
}

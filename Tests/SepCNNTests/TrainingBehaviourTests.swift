import Foundation
import Testing
@testable import SepCNN

@Suite struct TrainingBehaviourTests {
    @Test func crossEntropyRejectsBadLabelsAndShapes() throws {
        let logits = try Tensor(shape: [2, 3], scalars: [0, 1, 2, 3, 4, 5])
        #expect(throws: SepCNNError.self) { try Loss.crossEntropy(logits: logits, labels: [0, 3]) }
        #expect(throws: SepCNNError.self) { try Loss.crossEntropy(logits: logits, labels: [0, -1]) }
        #expect(throws: SepCNNError.self) { try Loss.crossEntropy(logits: logits, labels: [0]) }
        #expect(throws: SepCNNError.self) { try Loss.crossEntropy(logits: logits, labels: [0, 1], labelSmoothing: 1.5) }
        #expect(throws: SepCNNError.self) { try Loss.crossEntropy(logits: try logits.reshaped(to: [6]), labels: [0]) }
        #expect(throws: SepCNNError.self) {
            try Loss.meanSquaredError(predictions: logits, targets: try logits.reshaped(to: [3, 2]))
        }
    }

    @Test func crossEntropyStaysFiniteForHugeLogits() throws {
        let logits = try Tensor(shape: [1, 3], scalars: [1e30, -1e30, 0])
        let result = try Loss.crossEntropy(logits: logits, labels: [1])
        #expect(result.value.isFinite && result.value > 1e29)
        #expect(result.gradient.scalars.allSatisfy { $0.isFinite })
    }

    @Test func optimizersSkipBuffersAndMissingGradients() throws {
        let weight = Parameter(try Tensor(shape: [2], scalars: [1, 2]))
        let frozen = Parameter(try Tensor(shape: [2], scalars: [1, 2]), trainable: false)
        let unused = Parameter(try Tensor(shape: [2], scalars: [1, 2]))
        weight.gradient = try Tensor(shape: [2], scalars: [1, 1])
        frozen.gradient = try Tensor(shape: [2], scalars: [1, 1])
        let optimizer = try SGD(learningRate: 0.5, momentum: 0.9)
        try optimizer.step([("w", weight), ("frozen", frozen), ("unused", unused)])
        #expect(weight.value.scalars == [0.5, 1.5])
        #expect(frozen.value.scalars == [1, 2])
        #expect(unused.value.scalars == [1, 2])
        #expect(optimizer.state.tensors.keys.sorted() == ["w.momentum_buffer"])
    }

    @Test func gradientOfTheWrongShapeThrows() throws {
        let weight = Parameter(try Tensor(shape: [2], scalars: [1, 2]))
        weight.gradient = try Tensor(shape: [3], scalars: [1, 1, 1])
        #expect(throws: SepCNNError.self) { try Adam().step([("w", weight)]) }
    }

    /// Saving the state after two steps and restoring it into a fresh optimizer continues exactly.
    @Test func restoredAdamContinuesExactly() throws {
        func parameters() throws -> [(name: String, parameter: Parameter)] {
            [("a", Parameter(try Tensor(shape: [37], scalars: (0..<37).map { Float($0) / 10 })))]
        }
        func setGradient(_ p: [(name: String, parameter: Parameter)], _ step: Int) throws {
            p[0].parameter.gradient = try Tensor(shape: [37], scalars: (0..<37).map { sinf(Float($0 * (step + 1))) })
        }
        let straight = try parameters(), first = try AdamW(learningRate: 0.01)
        for step in 0..<4 { try setGradient(straight, step); try first.step(straight) }

        let resumed = try parameters(), before = try AdamW(learningRate: 0.01)
        for step in 0..<2 { try setGradient(resumed, step); try before.step(resumed) }
        let after = try AdamW(learningRate: 0.01)
        try after.restore(before.state, for: resumed)
        for step in 2..<4 { try setGradient(resumed, step); try after.step(resumed) }
        #expect(resumed[0].parameter.value == straight[0].parameter.value)
        #expect(after.state == first.state)
    }

    @Test func restoreRejectsForeignState() throws {
        let p: [(name: String, parameter: Parameter)] = [("a", Parameter(try Tensor(shape: [2], scalars: [0, 0])))]
        let optimizer = try SGD(learningRate: 0.1, momentum: 0.9)
        #expect(throws: SepCNNError.self) {
            try optimizer.restore(OptimizerState(tensors: ["b.momentum_buffer": try .zeros([2])]), for: p)
        }
        #expect(throws: SepCNNError.self) {
            try optimizer.restore(OptimizerState(tensors: ["a.momentum_buffer": try .zeros([3])]), for: p)
        }
    }

    @Test func invalidHyperparametersThrow() {
        #expect(throws: SepCNNError.self) { try SGD(learningRate: -1) }
        #expect(throws: SepCNNError.self) { try SGD(learningRate: 0.1, nesterov: true) }
        #expect(throws: SepCNNError.self) { try Adam(beta1: 1) }
    }

    @Test func schedulesClampBeyondTheirEnd() {
        let cosine = LearningRateSchedule.cosine(initial: 1, minimum: 0.1, totalSteps: 4)
        #expect(cosine.learningRate(at: 4) == 0.1 && cosine.learningRate(at: 100) == 0.1)
        #expect(LearningRateSchedule.constant(0.3).learningRate(at: 7) == 0.3)
    }
}

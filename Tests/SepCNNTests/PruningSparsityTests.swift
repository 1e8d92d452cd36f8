import Foundation
import Testing
@testable import SepCNN

/// Network Slimming's sparsity training: λ · Σ|γ| joins the loss and pulls every BatchNorm scale toward 0.
@Suite struct PruningSparsityTests {
    static func gammaSum(_ model: Model) -> Float {
        model.network.namedLayers().compactMap { ($0.layer as? BatchNorm)?.weight.value.scalars.reduce(0) { $0 + abs($1) } }.reduce(0, +)
    }

    static func train(lambda: Float?) throws -> (model: Model, losses: [Float]) {
        let model = try Random.withSeed(3) { try ModelZoo.make("fashion-sepcnn", options: ModelOptions(resolution: 8)) }
        var configuration = TrainingConfiguration()
        configuration.optimizer = .sgd
        configuration.momentum = 0
        configuration.learningRate = 0.05
        configuration.batchNormL1 = lambda
        let trainer = try Trainer(model: model, configuration: configuration)
        var generator = RandomGenerator(seed: 4)
        let images = try Tensor.normal([8, 8, 8, 1], using: &generator)
        let labels = (0..<8).map { $0 % 10 }
        let losses = try (0..<5).map { _ in try trainer.step(images: images, labels: labels, learningRate: 0.05).loss }
        return (model, losses)
    }

    @Test func thePenaltyShrinksEveryScaleAndJoinsTheLoss() throws {
        let plain = try Self.train(lambda: nil), sparse = try Self.train(lambda: 0.1)
        // The first loss is computed before any update: it differs by exactly λ · Σ|γ| = 0.1 · 224 (γ starts at 1).
        #expect(abs(sparse.losses[0] - plain.losses[0] - 0.1 * 224) < 1e-3)
        // Each SGD step moves every γ by a further lr · λ = 0.005 toward 0.
        #expect(Self.gammaSum(plain.model) - Self.gammaSum(sparse.model) > 224 * 0.005 * 4)
    }

    @Test func aNegativePenaltyIsRefused() {
        var configuration = TrainingConfiguration()
        configuration.batchNormL1 = -1
        #expect(throws: SepCNNError.invalidArgument("the BatchNorm L1 penalty must be non-negative, got -1.0")) { try configuration.validate() }
    }
}

/// Adaptive BatchNorm after pruning: running statistics become the plain average of the batches'.
@Suite struct PruningBatchNormRecalibrationTests {
    @Test func runningStatisticsBecomeTheAverageOfTheBatchStatistics() throws {
        let norm = try BatchNorm(channels: 3, momentum: 0.1)
        let model = Model(name: "bn", inputShape: [2, 2, 3], network: Sequential([norm]))
        var generator = RandomGenerator(seed: 2)
        let batches = try (0..<3).map { i in (images: try Tensor.normal([4, 2, 2, 3], mean: Float(i), using: &generator), labels: [0, 0, 0, 0]) }
        try model.recalibrateBatchNorm(on: PruningData(batches: batches))
        for c in 0..<3 {
            var mean = 0.0, variance = 0.0
            for batch in batches {
                let values = stride(from: c, to: batch.images.count, by: 3).map { Double(batch.images.scalars[$0]) }
                let m = values.reduce(0, +) / Double(values.count)
                mean += m / 3
                variance += values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count - 1) / 3
            }
            #expect(abs(Double(norm.runningMean.value.scalars[c]) - mean) < 1e-4)
            #expect(abs(Double(norm.runningVar.value.scalars[c]) - variance) < 1e-4)
        }
    }
}

import Foundation
import Testing
@testable import SepCNN

/// Optimizers, losses and schedules against PyTorch (`Scripts/make_training_fixtures.py` →
/// `Fixtures/training.json`).
@Suite struct TrainingParityTests {
    struct File: Decodable {
        let optimizers: Optimizers
        let losses: [LossCase]
        let schedules: [ScheduleCase]
    }
    struct Optimizers: Decodable {
        let initial: [String: FixtureTensor]
        let gradients: [[String: FixtureTensor]]
        let cases: [OptimizerCase]
    }
    struct OptimizerCase: Decodable, CustomStringConvertible {
        let kind: String
        let learningRate, momentum, weightDecay, beta1, beta2, epsilon: Float
        let nesterov: Bool
        let after: [[String: FixtureTensor]]
        var description: String { "\(kind) lr \(learningRate) momentum \(momentum) wd \(weightDecay) nesterov \(nesterov)" }
    }
    struct LossCase: Decodable, CustomStringConvertible {
        let name, kind: String
        let labelSmoothing: Float?
        let input: FixtureTensor
        let labels: [Int]?
        let target: FixtureTensor?
        let loss: Float
        let gradient: FixtureTensor
        var description: String { name }
    }
    struct ScheduleCase: Decodable, CustomStringConvertible {
        let kind: String
        let initial: Float
        let stepSize: Int?, gamma: Float?, minimum: Float?, totalSteps: Int?, warmup: Int?, startFactor: Float?
        let values: [Double]
        var description: String { kind }
    }

    static let fixture: File? = try? JSONDecoder().decode(
        File.self, from: Data(contentsOf: Fixtures.directory.appendingPathComponent("training.json")))

    static func tensor(_ t: FixtureTensor) throws -> Tensor { try Tensor(shape: t.shape, scalars: t.data) }

    @Test func fixtureLoads() { #expect(Self.fixture != nil) }

    @Test(arguments: fixture?.optimizers.cases ?? [])
    func optimizerMatchesPyTorch(_ c: OptimizerCase) throws {
        let fixture = try #require(Self.fixture).optimizers
        let names = fixture.initial.keys.sorted()
        let parameters = try names.map { ($0, Parameter(try Self.tensor(fixture.initial[$0]!))) }
        let optimizer: any Optimizer = switch c.kind {
        case "sgd": try SGD(learningRate: c.learningRate, momentum: c.momentum, weightDecay: c.weightDecay, nesterov: c.nesterov)
        case "adam": try Adam(learningRate: c.learningRate, beta1: c.beta1, beta2: c.beta2, epsilon: c.epsilon, weightDecay: c.weightDecay)
        default: try AdamW(learningRate: c.learningRate, beta1: c.beta1, beta2: c.beta2, epsilon: c.epsilon, weightDecay: c.weightDecay)
        }
        for (step, gradients) in fixture.gradients.enumerated() {
            for (name, parameter) in parameters { parameter.gradient = try Self.tensor(gradients[name]!) }
            try optimizer.step(parameters)
            for (name, parameter) in parameters {
                let expected = try Self.tensor(c.after[step][name]!)
                #expect(isClose(parameter.value, expected, rtol: 1e-5, atol: 1e-6),
                        "\(name) after step \(step + 1): off by \(parameter.value.maxAbsoluteDifference(expected))")
            }
        }
    }

    @Test(arguments: fixture?.losses ?? [])
    func lossMatchesPyTorch(_ c: LossCase) throws {
        let input = try Self.tensor(c.input)
        let result = c.kind == "mse"
            ? try Loss.meanSquaredError(predictions: input, targets: try Self.tensor(try #require(c.target)))
            : try Loss.crossEntropy(logits: input, labels: try #require(c.labels), labelSmoothing: c.labelSmoothing ?? 0)
        #expect(abs(result.value - c.loss) <= 1e-5 * max(1, abs(c.loss)), "loss \(result.value), PyTorch \(c.loss)")
        #expect(isClose(result.gradient, try Self.tensor(c.gradient), rtol: 1e-5, atol: 1e-7))
    }

    @Test(arguments: fixture?.schedules ?? [])
    func scheduleMatchesPyTorch(_ c: ScheduleCase) throws {
        let schedule: LearningRateSchedule = switch c.kind {
        case "step": .step(initial: c.initial, stepSize: c.stepSize!, gamma: c.gamma!)
        case "cosine": .cosine(initial: c.initial, minimum: c.minimum!, totalSteps: c.totalSteps!)
        default: .warmup(steps: c.warmup!, startFactor: c.startFactor!,
                         then: .cosine(initial: c.initial, minimum: c.minimum!, totalSteps: c.totalSteps!))
        }
        for (t, expected) in c.values.enumerated() {
            let rate = schedule.learningRate(at: t)
            #expect(abs(Double(rate) - expected) <= 1e-6 * max(expected, 1e-3), "step \(t): \(rate), PyTorch \(expected)")
        }
    }
}

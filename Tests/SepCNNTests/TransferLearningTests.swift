import Foundation
import Testing
@testable import SepCNN

/// A new classifier, a frozen backbone and another input size, as Keras and PyTorch users fine-tune.
@Suite struct TransferLearningTests {
    static func trainedLooking() throws -> Model {
        try Random.withSeed(11) {
            ModelDescriptionTests.withRandomBuffers(try ModelZoo.make("fashion-sepcnn", options: ModelOptions(resolution: 8)))
        }
    }

    @Test func replacingTheClassifierKeepsEveryOtherWeight() throws {
        let model = try Self.trainedLooking()
        #expect(try model.classifierPath() == "classifier")
        let replaced = try Random.withSeed(12) { try model.replacingClassifier(classes: 3) }
        #expect(try replaced.network.outputShape(for: [2] + replaced.inputShape) == [2, 3])
        #expect(replaced.options.classes == 3)
        let old = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, $0.parameter) })
        for (name, parameter) in replaced.namedParameters() {
            if name.hasPrefix("classifier.") {
                #expect(parameter.shape.last == 3, "\(name)")
            } else {
                #expect(parameter.value == old[name]?.value, "\(name)")
            }
        }
        // The replacement is an ordinary model: it saves and loads.
        try ModelDescriptionTests.expectRoundTrip(replaced, input: try ModelDescriptionTests.input(for: replaced))
    }

    @Test func aFrozenBackboneLeavesEverythingButTheClassifierAlone() throws {
        // Fresh running statistics (mean 0, variance 1) keep the features, and so the classifier's gradient, non-zero.
        let model = try Random.withSeed(13) { try ModelZoo.make("fashion-sepcnn", options: ModelOptions(resolution: 8)) }
        let before = model.namedParameters().map { ($0.name, $0.parameter.value) }
        var configuration = TrainerTests.configuration()
        configuration.freezeBackbone = true
        configuration.epochs = 1
        let trainer = try Trainer(model: model, configuration: configuration)
        #expect(try ModelSummary(model).trainableParameters == 128 * 10 + 10)
        var generator = RandomGenerator(seed: 4)
        let data = try Dataset(images: Tensor.uniform([32, 8, 8, 1], using: &generator), labels: (0..<32).map { $0 % 10 },
                               classNames: (0..<10).map(String.init))
        try trainer.fit(training: data, validation: nil)
        for ((name, value), (_, parameter)) in zip(before, model.namedParameters()) {
            if name.hasPrefix("classifier.") {
                #expect(parameter.value != value, "\(name) trains")
            } else {
                #expect(parameter.value == value, "\(name) stays, running statistics included")
            }
        }
    }

    @Test func anotherInputSizeKeepsTheWeights() throws {
        let model = try Self.trainedLooking()
        let larger = try model.withInputShape([12, 12, 1])
        #expect(larger.inputShape == [12, 12, 1] && larger.options.resolution == 12)
        #expect(try larger(try ModelDescriptionTests.input(for: larger)).shape == [2, 10])
        // A Flatten before the classifier fixes the size.
        let example = try ModelZoo.make("sepcnn-example", options: ModelOptions(resolution: 8))
        #expect(throws: SepCNNError.self) { try example.withInputShape([10, 10, 3]) }
    }
}

import Foundation
import Testing
import SepCNN

/// The Swift API example of README.md, kept compiling and true (no @testable: public API only).
@Suite struct ReadmeExampleTests {
    @Test func readmeExampleRuns() throws {
        let block = Sequential(named: [
            ("depthwise", try DepthwiseConv2D(channels: 32, kernelSize: 3, stride: 2, padding: .same)),
            ("pointwise", try PointwiseConv2D(inputChannels: 32, outputChannels: 64)),
            ("bn", try BatchNorm(channels: 64)),
            ("act", ReLU6()),
        ])
        var generator = RandomGenerator(seed: 0)
        let x = try Tensor.normal([1, 56, 56, 32], using: &generator)
        let y = try block(x)
        #expect(y.shape == [1, 28, 28, 64])

        let model = try Random.withSeed(42) { try ModelZoo.make("mobilenet-v2", options: ModelOptions(widthMultiplier: 0.5)) }
        #expect(model.namedParameters().first?.name == "features.0.conv.weight")
        #expect(try ModelSummary(model).table().contains("Total parameters"))

        let plan = try InferencePlan(model, batch: 1)
        let logits = try plan(try Tensor.normal([1, 224, 224, 3], using: &generator))
        #expect(logits.shape == [1, 1000])

        // The training part, on a slice of the embedded data so the debug build stays quick.
        let (train, validation) = try Dataset.embeddedFashionMNIST().train.validationSplit(0.1, seed: 0)
        let net = try ModelZoo.make("fashion-sepcnn")
        var recipe = TrainingConfiguration()
        recipe.epochs = 1
        let trainer = try Trainer(model: net, configuration: recipe)
        try trainer.fit(training: try train.subset(Array(0..<128)), validation: try validation.subset(Array(0..<64)))
        #expect(trainer.progress.history.last?.validationAccuracy != nil)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("readme-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: file) }
        try ModelFile.save(net, to: file)
        #expect(try Model.load(file.path).namedParameters().count == net.namedParameters().count)

        let teacher = try Model.load(file.path)
        let student = try Trainer(model: try ModelZoo.make("fashion-sepcnn"), configuration: recipe,
                                  objective: try DistillationObjective(teacher: teacher, temperature: 4, alpha: 0.9))
        try student.fit(training: try train.subset(Array(0..<128)), validation: try validation.subset(Array(0..<64)))
        #expect(student.checkpoint.distillation?.teacherName == "fashion-sepcnn")

        // Any model is data.
        let mine = Model(name: "mine", inputShape: [56, 56, 32],
                         network: Sequential([block, GlobalAvgPool(), try Dense(inputFeatures: 64, outputFeatures: 10)]))
        #expect(try mine.modelDescription().json().contains(#""type":"DepthwiseConv2D""#))
        let mineFile = FileManager.default.temporaryDirectory.appendingPathComponent("readme-mine-\(UUID()).safetensors")
        let onnxFile = mineFile.deletingPathExtension().appendingPathExtension("onnx")
        defer { try? FileManager.default.removeItem(at: mineFile); try? FileManager.default.removeItem(at: onnxFile) }
        try ModelFile.save(mine, to: mineFile)
        let reloaded = try Model.load(mineFile.path)
        #expect(try reloaded(x) == mine(x))
        try ONNXExporter.write(reloaded, to: onnxFile)
        #expect(try Model.load(onnxFile.path).inputShape == [56, 56, 32])
    }
}

import Foundation
import Testing
import SepCNN

/// The code of the DocC article `TrainCompressDeploy.md` (Sources/SepCNN/SepCNN.docc), step by step
/// and in the same words, so the article cannot drift from the API (public API only: no @testable).
/// Only the amounts differ: a slice of the embedded data and one epoch per stage keep the debug
/// build quick; the article trains for real.
@Suite struct DocumentationExampleTests {
    @Test func trainCompressDeployArticleRuns() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("docc-article-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }

        // Train.
        let (train, embeddedTest) = try Dataset.embeddedFashionMNIST()
        let (allTraining, allValidation) = try train.validationSplit(0.1, seed: 0)
        let training = try allTraining.subset(Array(0..<64))  // the article: all 7,200
        let validation = try allValidation.subset(Array(0..<32))
        let test = try embeddedTest.subset(Array(0..<32))

        var recipe = TrainingConfiguration()
        recipe.epochs = 1                  // the article: 10
        recipe.batchSize = 64
        recipe.learningRate = 3e-3
        recipe.schedule = .cosine
        recipe.seed = 1

        let baseline = try Random.withSeed(recipe.seed) { try ModelZoo.make("fashion-sepcnn") }
        try baseline.setClassNames(training.classNames)
        let trainer = try Trainer(model: baseline, configuration: recipe)
        var epochs: [EpochRecord] = []
        try trainer.fit(training: training, validation: validation, onEpoch: { record in epochs.append(record) })
        #expect(epochs.count == 1 && epochs[0].validationAccuracy != nil)
        let baselineScore = try Trainer.evaluate(baseline, on: test)
        #expect(baselineScore.count == 32)
        #expect((0...1).contains(baselineScore.accuracy))

        // Prune.
        let pruner = ChannelPruner(criterion: .l1)
        let pruned = try pruner.prune(baseline, target: .macs(0.5))
        try pruned.recalibrateBatchNorm(on: try PruningData.batchNormRecalibration(training, for: pruned))  // 1 batch here
        let pruning = try PruningReport(original: baseline, pruned: pruned)
        #expect(pruning.macsAfter <= pruning.macsBefore / 2)
        #expect(pruning.parametersAfter < pruning.parametersBefore)

        // Distil: the pruned model learns from the unpruned one.
        var fineTuning = recipe
        fineTuning.epochs = 1              // the article: 3
        fineTuning.learningRate = 1e-3
        let distillation = try DistillationObjective(teacher: baseline, temperature: 4, alpha: 0.9)
        let student = try Trainer(model: pruned, configuration: fineTuning, objective: distillation)
        try student.fit(training: training, validation: validation)
        #expect(student.checkpoint.distillation?.teacherName == "fashion-sepcnn")
        #expect(distillation.teacherSeconds > 0)

        // Quantize.
        let calibration = try CalibrationData.batches(from: training, for: pruned, samples: 256)  // 64 here
        let quantizer = PostTrainingQuantizer(method: .minmax)
        let int8 = try quantizer.quantize(pruned, calibrationBatches: calibration)
        #expect(pruned.name == "fashion-sepcnn-pruned" && int8.name == "fashion-sepcnn-pruned-int8")
        let int8Score = try Trainer.evaluate(int8, on: test)
        #expect(int8Score.count == 32)

        // Deploy: a model file, an inference plan, an ONNX file.
        let file = folder.appendingPathComponent("fashion-int8.safetensors")
        try ModelFile.save(int8, to: file)
        let deployed = try Model.load(file.path)
        let plan = try InferencePlan(deployed, batch: 1)
        #expect(!plan.int8Steps.isEmpty)
        #expect(plan.floatStepsBetweenInt8.isEmpty)
        let image = try test.subset([0]).images
        let logits = try plan(image)
        #expect(logits.shape == [1, 10])
        #expect(logits == (try InferencePlan(int8, batch: 1)(image)))
        let predicted = logits.scalars.indices.max { logits.scalars[$0] < logits.scalars[$1] }!
        #expect(deployed.classNames?[predicted] == Dataset.fashionMNISTClassNames[predicted])

        let onnx = folder.appendingPathComponent("fashion-int8.onnx")
        let summary = try ONNXExporter.write(deployed, to: onnx)
        #expect(summary.inputShape == [1, 1, 28, 28] && summary.outputShape == [1, 10])
        #expect(try Model.load(onnx.path).inputShape == [28, 28, 1])
    }
}

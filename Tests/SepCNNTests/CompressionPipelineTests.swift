import Foundation
import Testing
@testable import SepCNN

/// `CompressionPipeline` (`sepcnn compress`) on a tiny model and the toy data: every stage runs, each
/// saves an ordinary model file that loads, the figures are each file's, and bad input is refused first.
@Suite struct CompressionPipelineTests {
    static func baseline() throws -> Model {
        try Random.withSeed(9) { try ModelZoo.make("fashion-sepcnn", options: ModelOptions(resolution: 4, classes: 3)) }
    }

    static func pipeline(targetMACs: Double? = 0.5, int8: Bool = true) -> CompressionPipeline {
        var pipeline = CompressionPipeline(targetMACs: targetMACs, int8: int8)
        (pipeline.recalibrationBatches, pipeline.calibrationSamples) = (2, 32)
        pipeline.latency = TimingOptions(warmup: 1, repetitions: 3)
        return pipeline
    }

    /// One epoch of distillation from a copy of the unpruned model, as `sepcnn compress` trains by default.
    static func distil(from teacher: Model, on data: Dataset) -> (Model, URL?) throws -> Model {
        { student, _ in
            var configuration = TrainerTests.configuration()
            configuration.epochs = 1
            let trainer = try Trainer(model: student, configuration: configuration, objective: try DistillationObjective(teacher: teacher))
            try trainer.fit(training: data, validation: nil)
            return student
        }
    }

    @Test func everyStageRunsAndSavesAModelThatLoads() throws {
        let directory = try DistillationTrainingTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let train = try TrainerTests.toyData(seed: 1, count: 64), test = try TrainerTests.toyData(seed: 2, count: 30)
        let output = directory.appendingPathComponent("small.safetensors")
        let pipeline = Self.pipeline()
        var handed: (macs: Int, file: URL?)?
        var seen: [CompressionStage] = []
        let teacher = try Self.baseline(), distil = Self.distil(from: teacher, on: train)
        let stages = try pipeline.run(try Self.baseline(), training: train, test: test, output: output, fineTune: { student, file in
            handed = (try ModelSummary(student).macs, file)
            return try distil(student, file)
        }, onStage: { seen.append($0.stage) })

        #expect(stages.map(\.stage) == [.baseline, .pruned, .distilled, .quantized])
        #expect(seen == stages.map(\.stage))
        #expect(stages.map(\.file) == [nil, directory.appendingPathComponent("small.pruned.safetensors").path,
                                       directory.appendingPathComponent("small.distilled.safetensors").path, output.path])
        // The student handed over is the pruned model, saved where the pruned stage says.
        #expect(handed?.macs == stages[1].macs && handed?.file?.path == stages[1].file)
        #expect(Double(stages[1].macs) <= 0.5 * Double(stages[0].macs) && stages[2].macs == stages[1].macs)
        for stage in stages.dropFirst() {
            let path = try #require(stage.file)
            let loaded = try Model.load(path)
            #expect(try ModelSummary(loaded).macs == stage.macs)
            #expect(stage.fileBytes == (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int))
            // The recorded accuracy is the saved file's, on the same test images (through the int8 plan for the last).
            #expect(try Trainer.evaluate(loaded, on: test).accuracy == stage.testAccuracy)
            #expect(stage.testImages == 30 && stage.latencyMicroseconds > 0)
        }
        let quantized = try Model.load(output.path)
        #expect(quantized.network.namedLayers().contains { $0.layer is FakeQuantize })
        #expect(stages[3].fileBytes * 2 < stages[2].fileBytes, "int8 weights take a quarter of the float ones' bytes")
        #expect(stages[0].fileBytes == (try CompressionStageResult.savedBytes(of: try Self.baseline())))

        // The JSON `--json` prints: one record per stage, with every figure.
        let json = try JSONOutput.encode(stages)
        let decoded = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        #expect(decoded.map { $0["stage"] as? String } == ["baseline", "pruned", "distilled", "quantized"])
        for record in decoded {
            for key in ["testAccuracy", "parameters", "fileBytes", "macs", "latencyMicroseconds"] { #expect(record[key] != nil, "\(key) missing") }
        }

        // `--report`: accuracy against latency, one point per stage, each named.
        let page = try XMLDocumentReader(ReportPage(title: "Compress", sections: [.compressionStages(stages.map(\.figures))]).html())
        let points = try #require(page.seriesIndex("points"))
        #expect(page.elements[points].attributes["data-points"] == "4")
        for stage in CompressionStage.allCases { #expect(page.all("text").contains { $0.text == stage.rawValue }) }
        #expect(page.all("tr").count == 5)
    }

    /// Without a MAC target nothing is pruned, without int8 nothing quantized: the distilled model is the output.
    @Test func withoutTargetOrInt8OnlyDistils() throws {
        let directory = try DistillationTrainingTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let train = try TrainerTests.toyData(seed: 1, count: 64), test = try TrainerTests.toyData(seed: 2, count: 30)
        let output = directory.appendingPathComponent("distilled")
        let pipeline = Self.pipeline(targetMACs: nil, int8: false)
        var handedFile: URL?? = .none
        let distil = Self.distil(from: try Self.baseline(), on: train)
        let stages = try pipeline.run(try Self.baseline(), training: train, test: test, output: output, fineTune: { student, file in
            handedFile = file
            return try distil(student, file)
        })
        #expect(pipeline.stages == [.baseline, .distilled])
        #expect(stages.map(\.stage) == [.baseline, .distilled] && stages[1].file == output.path)
        #expect(handedFile == .some(nil), "the baseline itself is the student, not saved again")
        #expect(stages[0].macs == stages[1].macs && stages[0].parameters == stages[1].parameters)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["distilled"])
        #expect(try ModelSummary(try Model.load(output.path)).macs == stages[1].macs)
    }

    /// Bad input is refused before anything is measured or trained, naming what is wrong.
    @Test func badInputIsRefusedBeforeAnyTraining() throws {
        let train = try TrainerTests.toyData(seed: 1, count: 64)
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("sepcnn-never-\(UUID()).safetensors")
        func refusal(_ pipeline: CompressionPipeline, _ model: Model, data: Dataset? = nil) throws -> String {
            var trained = false
            do {
                _ = try pipeline.run(model, training: data ?? train, test: data ?? train, output: output, fineTune: { student, _ in
                    trained = true
                    return student
                })
            } catch let error as SepCNNError {
                #expect(!trained)
                #expect(!FileManager.default.fileExists(atPath: output.path))
                return error.message
            }
            Issue.record("no error")
            return ""
        }
        #expect(try refusal(Self.pipeline(targetMACs: 1.5), try Self.baseline()).contains("strictly between 0 and 1"))
        #expect(try refusal(Self.pipeline(targetMACs: 0), try Self.baseline()).contains("strictly between 0 and 1"))
        #expect(try refusal(Self.pipeline(targetMACs: 0.001), try Self.baseline()).contains("cannot be reached"))
        let quantized = try PostTrainingQuantizer().quantize(try Self.baseline(), calibrationBatches: [try train.subset(Array(0..<8)).images])
        #expect(try refusal(Self.pipeline(), quantized).contains("already quantized"))
        let fiveClasses = try Dataset(images: train.images, labels: train.labels, classNames: ["a", "b", "c", "d", "e"])
        #expect(try refusal(Self.pipeline(), try Self.baseline(), data: fiveClasses).contains("scores 3 classes, but the training images have 5"))
    }
}

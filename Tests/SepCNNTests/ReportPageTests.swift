import Foundation
import Testing
@testable import SepCNN

/// Report pages: one well-formed, self-contained XHTML file built from the commands' own records.
@Suite struct ReportPageTests {
    static func trainingPage(classNames: [String]? = nil) throws -> ReportPage {
        var evaluation = Evaluation(classes: 10)
        for i in 0..<10 { evaluation.confusion[i][i] = 80 + i; evaluation.confusion[i][(i + 1) % 10] = 20 - i }
        return ReportPage.training(
            title: "Training fashion-sepcnn", subtitle: "sepcnn train, 3 epochs", facts: [("model", "fashion-sepcnn")],
            curves: TrainingCurves(epochs: ReportChartTests.epochs(3), batches: ReportChartTests.samples(epochs: 3, every: 50, batches: 113)),
            batchInterval: 50, summary: try ModelSummary(ModelZoo.make("fashion-sepcnn")),
            evaluation: (evaluation, "the 1,000 validation images"), classNames: classNames,
            stepTimes: [ProfiledStep(step: "block1", medianMicroseconds: 40), ProfiledStep(step: "classifier", medianMicroseconds: 2)])
    }

    @Test func trainingPageIsWellFormedAndSelfContained() throws {
        let html = try Self.trainingPage(classNames: Dataset.fashionMNISTClassNames).html()
        let page = try XMLDocumentReader(html)
        #expect(page.all("script").isEmpty && page.all("link").isEmpty && page.all("img").isEmpty)
        #expect(!html.contains("http://") || html.components(separatedBy: "http://").count - 1 == page.all("svg").count + 1,
                "the only URLs are the XHTML and SVG namespaces")
        #expect(!html.contains("https://"))
        #expect(page.all("meta").contains { $0.attributes["http-equiv"] == "Content-Security-Policy" && $0.attributes["content"]?.contains("default-src 'none'") == true })
        #expect(page.all("svg").count == 6)  // loss, accuracy, confusion, parameters, MACs, step times
        #expect(page.all("h2").map(\.text) == ["Summary", "Training curves", "Confusion matrix", "Per layer: parameters and multiply-accumulates",
                                               "Profile of fashion-sepcnn, batch 1"])
        #expect(page.all("text").contains { $0.text == "Ankle boot" })
        // The per-layer charts have a bar for each layer with parameters or MACs.
        let layers = try ModelSummary(ModelZoo.make("fashion-sepcnn")).layers.filter { $0.parameters > 0 || $0.macs > 0 }
        let macs = try #require(page.seriesIndex("MACs for one image"))
        #expect(page.elements[macs].attributes["data-points"] == String(layers.count))
    }

    @Test func classesWithoutNamesAreNumbered() throws {
        let page = try XMLDocumentReader(try Self.trainingPage().html())
        #expect(page.all("text").contains { $0.text == "class 9" })
    }

    @Test func hostileTitlesAndCellsAreEscaped() throws {
        let hostile = ReportChartTests.hostile
        let page = ReportPage(title: hostile, subtitle: hostile, sections: [
            ReportSection(heading: hostile, blocks: [.paragraph(hostile), .facts([(hostile, hostile)]), .table(header: [hostile], rows: [[hostile]])]),
            .compressionStages([CompressionStageFigures(stage: hostile, accuracy: 0.9, latencyMicroseconds: 100)]),
        ], footer: hostile)
        let html = page.html()
        let parsed = try XMLDocumentReader(html)
        #expect(parsed.all("script").isEmpty)
        #expect(parsed.all("h1").first?.text.hasPrefix("<script>alert(\"x\")</script> & 'quotes'") == true)
    }

    @Test func writesTheWholePageAtomically() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sepcnn-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("report.html"), page = try Self.trainingPage()
        try "old".write(to: url, atomically: false, encoding: .utf8)
        try page.write(to: url)
        #expect(try String(contentsOf: url, encoding: .utf8) == page.html())
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["report.html"])
        #expect(throws: SepCNNError.self) { try page.write(to: folder.appendingPathComponent("no/such/folder/report.html")) }
    }

    @Test func compressionStagesChartAccuracyAgainstLatency() throws {
        let stages = [
            CompressionStageFigures(stage: "baseline", accuracy: 0.91, latencyMicroseconds: 2_400, parameters: 94_410, fileBytes: 380_000, macs: 20_000_000),
            CompressionStageFigures(stage: "pruned", accuracy: 0.88, latencyMicroseconds: 1_300, parameters: 40_000, macs: 10_000_000),
            CompressionStageFigures(stage: "distilled", accuracy: 0.90, latencyMicroseconds: 1_300),
            CompressionStageFigures(stage: "quantized", accuracy: 0.895, latencyMicroseconds: nil),
        ]
        let section = ReportSection.compressionStages(stages)
        let page = try XMLDocumentReader(ReportPage(title: "Compress", sections: [section]).html())
        let points = try #require(page.seriesIndex("points"))
        #expect(page.elements[points].attributes["data-points"] == "3")
        #expect(page.visibleText.contains("quantized (not measured, not drawn)"))
        #expect(page.visibleText.contains("median inference time, batch 1 (ms)") && page.visibleText.contains("test accuracy (%)"))
        for stage in ["baseline", "pruned", "distilled"] { #expect(page.all("text").contains { $0.text == stage }) }
        #expect(page.all("tr").count == 5)  // header and one row per stage
        #expect(page.all("td").contains { $0.text == "91.00 %" })
    }

    @Test func pruningSectionsCompareBeforeAndAfter() throws {
        let original = try Random.withSeed(0) { try ModelZoo.make("fashion-sepcnn") }
        let pruned = try ChannelPruner(criterion: .l1).prune(original, target: .ratio(0.5))
        let report = try PruningReport(original: original, pruned: pruned)
        let sections = ReportSection.pruning(report, microseconds: (before: 900, after: 450),
                                             accuracies: [("before pruning", 0.8), ("after pruning", nil), ("after fine-tuning", 0.78)])
        let page = try XMLDocumentReader(ReportPage(title: "Pruning", sections: sections).html())
        let channels = page.elements.indices.filter { page.elements[$0].attributes["data-series"] == "after pruning" }
        #expect(channels.count == 2)  // channels and MACs
        for index in channels { #expect(page.elements[index].attributes["data-points"] == String(report.rows.count)) }
        let accuracy = try #require(page.seriesIndex("validation accuracy"))
        #expect(page.elements[accuracy].attributes["data-points"] == "2", "the stage not measured is left out")
        #expect(page.all("td").contains { $0.text == "2.00×" })
    }

    @Test func benchmarkSectionsSplitLayersFromNetworksAndDrawProfiles() throws {
        func record(_ name: String, _ microseconds: Double, profile: [ProfiledStep]? = nil) -> BenchmarkResult {
            BenchmarkResult(name: name, threads: 2, medianMicroseconds: microseconds, minimumMicroseconds: microseconds * 0.9, repetitions: 30,
                            gflops: 10, percentOfPeak: 12, peakGFLOPS: 80, peakBasis: "nominal", profile: profile)
        }
        let steps = [ProfiledStep(step: "stem", medianMicroseconds: 300), ProfiledStep(step: "blocks.0", medianMicroseconds: 700)]
        let results = [record("dw3x3-112x112x32-s1", 40), record("pw-56x56x24-144", 90), record("mobilenet-v2-224", 5_000, profile: steps)]
        let sections = ReportSection.benchmark(results, networks: ["mobilenet-v2-224"])
        #expect(sections.map(\.heading) == ["Measured time per record", "Profile of mobilenet-v2-224"])
        let page = try XMLDocumentReader(ReportPage(title: "Benchmark", sections: sections).html())
        let medians = page.elements.indices.filter { page.elements[$0].attributes["data-series"] == "median of repeated runs" }
        #expect(medians.map { page.elements[$0].attributes["data-points"] } == ["2", "1"])
        let profile = try #require(page.seriesIndex("median time of the step"))
        #expect(page.elements[profile].attributes["data-points"] == "2")
        #expect(page.visibleText.contains("median time (ms)") && page.visibleText.contains("median time (µs)"))
    }
}

import Foundation
import Testing
@testable import SepCNN

/// The SVG charts read back as XML: well-formed, with the series and points they were given,
/// whatever the names and values.
@Suite struct ReportChartTests {
    static let hostile = "<script>alert(\"x\")</script> & 'quotes' \u{1}\u{FFFE} ]]> --> é"

    /// The number of points a path's `d` draws (its M and L commands).
    static func pathPoints(_ d: String?) -> Int { (d ?? "").filter { $0 == "M" || $0 == "L" }.count }

    static func epochs(_ count: Int, validated: Bool = true) -> [EpochRecord] {
        (1...max(count, 1)).prefix(count).map { e in
            EpochRecord(epoch: e, loss: 1 / Double(e), accuracy: 0.5 + 0.1 * Double(e), validationLoss: validated ? 1.1 / Double(e) : nil,
                        validationAccuracy: validated ? 0.45 + 0.1 * Double(e) : nil, seconds: 2, imagesPerSecond: 3600)
        }
    }

    static func samples(epochs: Int, every: Int, batches: Int) -> [TrainingCurves.BatchSample] {
        (1...epochs).flatMap { e in
            stride(from: every, through: batches, by: every).map {
                TrainingCurves.BatchSample(epoch: e, batch: $0, batches: batches, loss: 2 / Double($0), accuracy: Double($0) / Double(batches))
            }
        }
    }

    @Test func threeEpochsGiveThreePointsPerEpochSeries() throws {
        let curves = TrainingCurves(epochs: Self.epochs(3), batches: Self.samples(epochs: 3, every: 10, batches: 113))
        for chart in [curves.lossChart(batchInterval: 10), curves.accuracyChart(batchInterval: 10)] {
            let svg = try XMLDocumentReader(chart.svg())
            let groups = svg.all("g").filter { $0.attributes["class"] == "series" }
            #expect(groups.count == 3)
            for name in ["training (epoch mean)", "validation (after the epoch)"] {
                let index = try #require(svg.seriesIndex(name), "no series '\(name)'")
                #expect(svg.elements[index].attributes["data-points"] == "3")
                #expect(Self.pathPoints(svg.all("path", inside: index).first?.attributes["d"]) == 3)
                #expect(svg.elements.indices.filter { svg.elements[$0].attributes["class"] == "point" && svg.elements[$0].ancestors.contains(index) }.count == 3,
                        "one marker per epoch")
            }
            let batches = try #require(svg.seriesIndex(curves.batchSeriesName(10)))
            #expect(svg.elements[batches].attributes["data-points"] == "33")  // 11 samples (10, 20, … 110) in each of 3 epochs
            #expect(Self.pathPoints(svg.all("path", inside: batches).first?.attributes["d"]) == 33)
            #expect(svg.visibleText.contains("epoch"))
        }
    }

    @Test func unvalidatedRunHasNoValidationSeries() throws {
        let svg = try XMLDocumentReader(TrainingCurves(epochs: Self.epochs(2, validated: false)).lossChart().svg())
        #expect(svg.seriesIndex("training (epoch mean)") != nil)
        #expect(svg.seriesIndex("validation (after the epoch)") == nil)
    }

    /// A distillation run's training loss is not the validation's cross-entropy: the axis says only
    /// "loss", and the caption names both.
    @Test func aDistillationRunsLossAxisDoesNotClaimCrossEntropy() throws {
        let plain = try XMLDocumentReader(TrainingCurves(epochs: Self.epochs(2)).lossChart().svg())
        #expect(plain.visibleText.contains("cross-entropy loss (nats)"))
        let curves = TrainingCurves(epochs: Self.epochs(2), trainingLoss: "the distillation loss")
        let distilled = try XMLDocumentReader(curves.lossChart().svg())
        #expect(distilled.visibleText.contains("loss (nats)") && !distilled.visibleText.contains("cross-entropy"))
        let html = ReportPage(title: "t", subtitle: nil, sections: [.trainingCurves(curves)], footer: "").html()
        #expect(html.contains("Training minimises the distillation loss; validation is plain cross-entropy"))
    }

    @Test func axesNameTheirUnits() throws {
        let svg = try XMLDocumentReader(TrainingCurves(epochs: Self.epochs(3)).accuracyChart().svg())
        #expect(svg.visibleText.contains("accuracy (%)"))
        // Epoch ticks are whole numbers.
        let axes = try #require(svg.elements.firstIndex { $0.attributes["class"] == "axes" })
        let ticks = svg.all("text", inside: axes).map(\.text).filter { Double($0) != nil }
        #expect(ticks.contains("1") && ticks.contains("3") && !ticks.contains("1.5"))
    }

    @Test func repeatedBatchesKeepTheLaterSample() {
        let first = TrainingCurves.BatchSample(epoch: 1, batch: 50, batches: 100, loss: 9, accuracy: 0.1)
        var again = first
        again.loss = 1
        let later = TrainingCurves.BatchSample(epoch: 2, batch: 50, batches: 100, loss: 0.5, accuracy: 0.9)
        let curves = TrainingCurves(epochs: [], batches: [later, first, again])
        #expect(curves.batches == [again, later])
    }

    @Test func hostileNamesAreEscapedEverywhere() throws {
        let charts: [any ReportChart] = [
            LineChart(title: Self.hostile, xLabel: Self.hostile, yLabel: Self.hostile,
                      series: [.init(name: Self.hostile, points: [ChartPoint(0, 1), ChartPoint(1, 2)])]),
            BarChart(title: Self.hostile, categories: [Self.hostile, "b"], series: [.init(name: Self.hostile, values: [1, 2])], valueLabel: Self.hostile),
            ConfusionMatrixChart(title: Self.hostile, classNames: [Self.hostile, "cat"], counts: [[3, 1], [0, 4]]),
            ScatterChart(title: Self.hostile, xLabel: "x", yLabel: "y", points: [.init(label: Self.hostile, x: 1, y: 2)]),
        ]
        for chart in charts {
            let text = chart.svg()
            let svg = try XMLDocumentReader(text)
            #expect(svg.all("script").isEmpty)
            #expect(!text.contains("<script"))
            #expect(svg.elements.contains { $0.text.contains("<script>alert(\"x\")</script> & 'quotes'") }, "the name reads back as written")
        }
    }

    @Test func emptyAndOnePointSeriesDrawWithoutNaN() throws {
        for points in [[], [ChartPoint(1, 0.5)], [ChartPoint(2, 7), ChartPoint(2, 7)]] {
            let text = LineChart(title: "t", xLabel: "x", yLabel: "y", series: [.init(name: "s", points: points), .init(name: "empty", points: [])]).svg()
            let svg = try XMLDocumentReader(text)
            let index = try #require(svg.seriesIndex("s"))
            #expect(svg.elements[index].attributes["data-points"] == String(points.count))
            #expect(!text.lowercased().contains("nan") && !text.contains("inf"))
            #expect(svg.visibleText.contains("empty (no data)"))
        }
        let none = try XMLDocumentReader(LineChart(title: "t", xLabel: "x", yLabel: "y", series: []).svg())
        #expect(none.visibleText.contains("no data"))
        let bars = try XMLDocumentReader(BarChart(title: "t", categories: [], series: [], valueLabel: "v").svg())
        #expect(bars.visibleText.contains("no data"))
        let scatter = try XMLDocumentReader(ScatterChart(title: "t", xLabel: "x", yLabel: "y", points: []).svg())
        #expect(scatter.visibleText.contains("no data"))
        _ = try XMLDocumentReader(ConfusionMatrixChart(title: "t", classNames: [], counts: []).svg())
    }

    @Test func nonFiniteValuesAreLeftOutAndSaidSo() throws {
        let points = [ChartPoint(1, 1), ChartPoint(2, .nan), ChartPoint(3, .infinity), ChartPoint(.nan, 2), ChartPoint(5, 2)]
        let text = LineChart(title: "t", xLabel: "x", yLabel: "y", series: [.init(name: "s", points: points)]).svg()
        let svg = try XMLDocumentReader(text)
        let index = try #require(svg.seriesIndex("s"))
        #expect(svg.elements[index].attributes["data-points"] == "2")
        // The line breaks at the gap instead of bridging it: two moves, no line.
        #expect(svg.all("path", inside: index).first?.attributes["d"]?.filter { $0 == "M" }.count == 2)
        #expect(svg.visibleText.contains("3 not finite, not drawn"))
        #expect(!text.lowercased().contains("nan"))

        let bars = BarChart(title: "t", categories: ["a", "b", "c"], series: [.init(name: "s", values: [1, .nan, -.infinity])], valueLabel: "v").svg()
        let barSVG = try XMLDocumentReader(bars)
        #expect(barSVG.all("rect").filter { $0.attributes["class"] == "bar" }.count == 1)
        #expect(barSVG.visibleText.contains("n/a"))
        #expect(!bars.contains("nan"))
    }

    @Test func extremeValuesStillGiveAnAxis() throws {
        for values in [[1e-300, 2e-300], [-1e300, 1e300], [Double.greatestFiniteMagnitude], [0, 0, 0], [-5, -3]] {
            let axis = ChartAxis(covering: values)
            #expect(axis.lower < axis.upper)
            #expect((2...60).contains(axis.ticks.count))
            _ = try XMLDocumentReader(LineChart(title: "t", xLabel: "x", yLabel: "y",
                                                series: [.init(name: "s", points: values.enumerated().map { ChartPoint(Double($0.offset), $0.element) })]).svg())
        }
    }

    @Test func axisTicksAreNiceAndCoverTheData() {
        let axis = ChartAxis(covering: [0.23, 0.87])
        #expect(axis.lower <= 0.23 && axis.upper >= 0.87)
        #expect([0.1, 0.2, 0.25, 0.5].contains(axis.step))
        #expect(axis.ticks.map { axis.label($0) }.allSatisfy { !$0.contains("0000") })
        let counts = ChartAxis(covering: [0, 1_605_632])
        #expect(counts.label(1_000_000) == "1M")
    }

    @Test func tickLabelsReadBackAsTheirTicks() throws {
        // A step of 2.5 once printed 0, 2, 5, 8, 10 for 0, 2.5, 5, 7.5, 10.
        for values in [[0, 10.4], [0, 1.2], [0.6, 0.95], [-3, 27], [0, 0.012], [100, 7_000]] {
            let axis = ChartAxis(covering: values)
            for tick in axis.ticks {
                let read = try #require(Double(axis.label(tick)), "tick \(tick) of \(values) labelled '\(axis.label(tick))'")
                #expect(abs(read - tick) <= 1e-9 * max(abs(tick), 1), "tick \(tick) of \(values) labelled '\(axis.label(tick))'")
            }
        }
    }

    @Test func barsHaveOneRectPerFiniteValuePerSeries() throws {
        let chart = BarChart(title: "Channels", categories: ["a", "b", "c"],
                             series: [.init(name: "before pruning", values: [32, 64, 128]), .init(name: "after pruning", values: [16, 32, 64])],
                             valueLabel: "output channels", format: .integer)
        let svg = try XMLDocumentReader(chart.svg())
        for name in ["before pruning", "after pruning"] {
            let index = try #require(svg.seriesIndex(name))
            #expect(svg.elements[index].attributes["data-points"] == "3")
            #expect(svg.all("rect", inside: index).count == 3)
        }
        #expect(svg.visibleText.contains("128") && svg.visibleText.contains("output channels"))
    }

    @Test func longNamesAreShortenedAndKeptWhole() throws {
        let long = String(repeating: "features.", count: 8) + "conv"
        let svg = try XMLDocumentReader(BarChart(title: "t", categories: [long], series: [.init(name: "s", values: [1])], valueLabel: "v").svg())
        let label = try #require(svg.all("text").first { $0.text.contains("…") })
        #expect(label.text.hasPrefix("features.") && label.text.hasSuffix("conv"), "both ends kept")
        #expect(label.text.count == BarChart.maximumLabelCharacters)
        #expect(svg.all("title").contains { $0.text == long })
    }

    @Test func confusionMatrixHasACellPerPairAndEachRowsAccuracy() throws {
        let names = ["T-shirt/top", "Trouser", "Pullover"]
        let counts = [[8, 1, 1], [0, 10, 0], [2, 0, 0]]
        let svg = try XMLDocumentReader(ConfusionMatrixChart(title: "Confusion", classNames: names, counts: counts).svg())
        #expect(svg.all("rect").filter { $0.attributes["class"] == "cell" }.count == 9)
        #expect(svg.visibleText.contains("80.0 %") && svg.visibleText.contains("100.0 %") && svg.visibleText.contains("0.0 %"))
        #expect(svg.visibleText.contains("predicted class") && svg.visibleText.contains("true class"))
        // Shades darken with the share: lightness alone, so gray keeps the order.
        #expect(ConfusionMatrixChart.shade(0) == "#ffffff")
        #expect(ConfusionMatrixChart.shade(1) == "#0b2f6b")
        #expect(ConfusionMatrixChart.shade(.nan) == "#ffffff")
    }

    @Test func seriesLooksDifferInDashOrMarkerAndInLightness() {
        let looks = ChartStyle.looks
        for (a, b) in zip(looks, looks.dropFirst()) {
            #expect(a.dash != b.dash && a.marker != b.marker)
            #expect(abs(Self.luminance(a.color) - Self.luminance(b.color)) > 0.15, "\(a.color) and \(b.color) look alike in gray")
        }
    }

    /// Relative luminance (WCAG) of "#rrggbb".
    static func luminance(_ hex: String) -> Double {
        let value = Int(hex.dropFirst(), radix: 16) ?? 0
        func linear(_ c: Int) -> Double {
            let s = Double(c) / 255
            return s <= 0.04045 ? s / 12.92 : pow((s + 0.055) / 1.055, 2.4)
        }
        return 0.2126 * linear(value >> 16 & 255) + 0.7152 * linear(value >> 8 & 255) + 0.0722 * linear(value & 255)
    }
}

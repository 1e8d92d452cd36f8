import Foundation
import Testing
@testable import SepCNN

/// The library pieces the `sepcnn` tool's behaviour rests on: suggestions for mistyped names, the
/// SEPCNN_THREADS check, the speed wording, file errors in plain words, the bench's peak and records.
/// (.ci/run checks the tool itself.)
@Suite struct CommandLineSupportTests {
    @Test func editDistanceCountsInsertionsDeletionsAndSubstitutions() {
        // The textbook example: kitten → sitting is two substitutions and one insertion.
        #expect(editDistance(Array("kitten"), Array("sitting")) == 3)
        #expect(editDistance(Array(""), Array("abc")) == 3)
        #expect(editDistance(Array("train"), Array("trian")) == 2)
    }

    @Test func suggestsTheClosePlausibleName() {
        let commands = ["demo", "summary", "compare", "train", "eval", "bench", "run", "predict", "convert", "quantize", "prune", "help"]
        #expect(suggestedName(for: "trian", among: commands) == "train")
        #expect(suggestedName(for: "sumary", among: commands) == "summary")
        #expect(suggestedName(for: "xyzzy-frobnicate", among: commands) == nil)
        #expect(suggestedName(for: "train", among: commands) == nil)  // an exact match needs none
        #expect(suggestedName(for: "mobilnet-v2", among: ModelZoo.names) == "mobilenet-v2")
        #expect(didYouMean("quantise", among: commands) == " (did you mean 'quantize'?)")
        #expect(didYouMean("zzzzzzzz", among: commands) == "")
    }

    @Test func builtInNamesMatchInAnyCase() throws {
        #expect(ModelZoo.canonicalName("MobileNet-V2") == "mobilenet-v2")
        #expect(ModelZoo.canonicalName("FASHION-SEPCNN-STANDARD") == "fashion-sepcnn-standard")
        #expect(ModelZoo.canonicalName("mobilenet-v3") == nil)
        let model = try ModelZoo.make("Fashion-SepCNN")
        #expect(model.name == "fashion-sepcnn")
        #expect(ModelZoo.minimumResolution(of: "MobileNet-V2") == ModelZoo.minimumResolution(of: "mobilenet-v2"))
    }

    @Test func anUnknownModelGetsASuggestion() {
        #expect {
            try ModelZoo.make("mobilenet-v22")
        } throws: { error in
            "\(error)".contains("unknown model 'mobilenet-v22' (did you mean 'mobilenet-v2'?)")
        }
    }

    @Test func threadsFromTheEnvironment() throws {
        #expect(try ThreadPool.threadsFromEnvironment(["SEPCNN_THREADS": "4"]) == 4)
        #expect(try ThreadPool.threadsFromEnvironment(["SEPCNN_THREADS": " 256 "]) == 256)
        #expect(try ThreadPool.threadsFromEnvironment(["SEPCNN_THREADS": ""]) == nil)
        #expect(try ThreadPool.threadsFromEnvironment([:]) == nil)
        for bad in ["abc", "0", "-2", "257", "2.5", "99999999999999999999"] {
            #expect(throws: SepCNNError.invalidArgument(
                "SEPCNN_THREADS must be a whole number of threads between 1 and 256, got '\(bad)'")) {
                try ThreadPool.threadsFromEnvironment(["SEPCNN_THREADS": bad])
            }
        }
    }

    @Test func speedIsAFactorAboveOne() {
        #expect(speedWording(oldTime: 10, newTime: 3) == "3.3× faster")
        #expect(speedWording(oldTime: 3, newTime: 10) == "3.3× slower")
        #expect(speedWording(oldTime: 5, newTime: 5) == "1.0× faster")
        #expect(speedWording(oldTime: 5, newTime: 0) == "—")
    }

    @Test func fileErrorsNameTheFileAndTheCause() throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("sepcnn-no-such-dir-\(UUID())")
        do {
            _ = try Data(contentsOf: missing.appendingPathComponent("in.bin"))
            Issue.record("reading a missing file succeeded")
        } catch {
            let message = try #require(fileErrorMessage(error))
            #expect(message.hasPrefix("cannot "))
            #expect(message.contains(missing.appendingPathComponent("in.bin").path + ": no such file or directory"))
            #expect(fileErrorReason(error) == "no such file or directory")
        }
        do {
            try Data([1]).write(to: missing.appendingPathComponent("out.bin"), options: .atomic)
            Issue.record("writing into a missing directory succeeded")
        } catch {
            let message = try #require(fileErrorMessage(error))
            #expect(message.contains(missing.path))
            #expect(!message.contains("could not be completed"))
        }
        #expect(fileErrorMessage(SepCNNError.invalidArgument("x")) == nil)
    }

    @Test func theClockComesFromCPUInfo() {
        let intel = "processor\t: 0\nmodel name\t: Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz\ncpu MHz\t\t: 1200.000\n"
        #expect(PeakThroughput.clockGigahertz(cpuinfo: intel) == 2.4)
        let amd = "model name\t: AMD EPYC\ncpu MHz\t\t: 2445.402\nprocessor\t: 1\ncpu MHz\t\t: 2500.000\n"
        #expect(PeakThroughput.clockGigahertz(cpuinfo: amd) == 2.5)
        #expect(PeakThroughput.clockGigahertz(cpuinfo: "processor\t: 0\n") == nil)
        #expect(PeakThroughput.clockGigahertz(cpuinfo: "cpu MHz\t: 0.000\n") == nil)
    }

    @Test func twoFullWidthFMAUnitsAreCountedOnIntelServersAndZen5Only() {
        func cpu(_ vendor: String, family: Int, flags: String) -> String {
            "processor\t: 0\nvendor_id\t: \(vendor)\ncpu family\t: \(family)\nflags\t\t: fpu \(flags) sse\n\nprocessor\t: 1\nflags\t\t: avx512f\n"
        }
        #expect(PeakThroughput.hasTwo512BitFMAUnits(cpuinfo: cpu("GenuineIntel", family: 6, flags: "avx2 avx512f avx512_vnni")))
        #expect(PeakThroughput.hasTwo512BitFMAUnits(cpuinfo: cpu("AuthenticAMD", family: 26, flags: "avx2 avx512f")))
        #expect(!PeakThroughput.hasTwo512BitFMAUnits(cpuinfo: cpu("AuthenticAMD", family: 25, flags: "avx2 avx512f")))  // Zen 4
        #expect(!PeakThroughput.hasTwo512BitFMAUnits(cpuinfo: cpu("GenuineIntel", family: 6, flags: "avx2 fma")))
        #expect(!PeakThroughput.hasTwo512BitFMAUnits(cpuinfo: cpu("AuthenticAMD", family: 25, flags: "avx2")))   // Zen 3, second CPU's flags not read
    }

    @Test func theNominalPeakIsComputedAndSaysHow() throws {
        let peak = try #require(PeakThroughput.nominal(threads: 2, clock: (2.5, "test")))
        #expect(peak.gflops == Double(2 * PeakThroughput.flopsPerCycle.flops) * 2.5)
        #expect(peak.basis.hasPrefix("nominal: 2 threads × \(PeakThroughput.flopsPerCycle.flops) flops/cycle"))
        #expect(peak.basis.hasSuffix("× 2.50 GHz (test)"))
        #expect(PeakThroughput.nominal(threads: 2, clock: nil) == nil)
        // Computed once: the same figure every time in a process.
        #expect(PeakThroughput.standard(pool: ThreadPool(threads: 1)) == PeakThroughput.standard(pool: ThreadPool(threads: 1)))
    }

    @Test func networkRecordsTakeABatchAndAResolution() throws {
        let one = try BenchmarkCase.model("fashion-sepcnn")
        let four = try BenchmarkCase.model("fashion-sepcnn", batch: 4)
        #expect(one.name == "fashion-sepcnn-28" && one.isNetwork)
        #expect(four.name == "fashion-sepcnn-28-b4")
        #expect(four.flops == 4 * one.flops)
        let (plan, input) = try four.makePlan(pool: ThreadPool(threads: 1))
        #expect(input.shape == [4, 28, 28, 1] && plan.inputShape == [4, 28, 28, 1])
        let small = try BenchmarkCase.model("mobilenet-v2", options: ModelOptions(resolution: 96))
        #expect(small.name == "mobilenet-v2-96")
        #expect(throws: SepCNNError.self) { try BenchmarkCase.model("fashion-sepcnn", batch: 0) }
        #expect(throws: SepCNNError.self) { try BenchmarkCase.model("mobilenet-v2", batch: 256) }  // 256 × 224² pixels
        #expect(!BenchmarkCase.pointwise(height: 7, width: 7, inputChannels: 8, outputChannels: 8).isNetwork)
    }

    /// The timed int8 network is int8 throughout, its classifier included (random weights with
    /// untrained BatchNorm statistics once left the classifier in float).
    @Test func theInt8NetworkRecordRunsEveryLayerOnInt8Kernels() throws {
        let record = try BenchmarkCase.int8Model("mobilenet-v2", options: ModelOptions(widthMultiplier: 0.35, resolution: 64))
        #expect(record.name == "mobilenet-v2-64-int8")
        let (plan, _) = try record.makePlan(pool: ThreadPool(threads: 1))
        #expect(plan.floatStepsBetweenInt8.isEmpty, "\(plan.floatStepsBetweenInt8)")
        #expect(plan.int8Steps.contains { $0.hasPrefix("classifier") })
    }

    @Test func aBenchmarkResultCarriesItsPeak() throws {
        let peak = PeakThroughput(gflops: 100, basis: "given")
        let options = BenchmarkOptions(warmup: 0, minimumRepetitions: 3, minimumSeconds: 0)
        let result = try Benchmark.run(BenchmarkCase.model("fashion-sepcnn", batch: 2), options: options, pool: ThreadPool(threads: 1), peak: peak)
        #expect(result.peakGFLOPS == 100 && result.peakBasis == "given")
        #expect(abs(result.percentOfPeak - result.gflops) < 1e-9)  // of 100 GFLOP/s
        #expect(Benchmark.table([result], peak: peak).contains("peak: 100 GFLOP/s, given"))
    }

    @Test func theVersionIsSemantic() {
        let parts = sepCNNVersion.split(separator: ".")
        #expect(parts.count == 3 && parts.allSatisfy { Int($0) != nil })
    }
}

import ArgumentParser
import Foundation
import SepCNN

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time single layers and whole networks: median latency, GFLOP/s and % of peak.",
        usage: "sepcnn bench [<models> ...] [<options>]",
        discussion: """
            Runs MobileNetV2-224's depthwise 3×3 and pointwise shapes, a standard 3×3 convolution at \
            56×56×128→128, and MobileNetV1/V2 at 224×224, batch 1 (--resolution and --batch change the \
            networks), each through an inference plan after a warm-up. Names: dw3x3-HxWxC-sS, \
            pw-HxWxCin-Cout, conv3x3-HxWxCin-Cout, mobilenet-v1-224, mobilenet-v2-224 (mobilenet-v2-160-b8 \
            at --resolution 160 --batch 8). With --int8, each layer record is followed by its int8 twin \
            (NAME-int8: the same shape through the int8 operators).

            % of peak is of the nominal peak: threads × this build's flops per cycle × the CPU clock the \
            system reports, computed once; the line under the table says how it was computed. \
            --peak measured measures the FMA throughput instead, as earlier versions did.

            For meaningful numbers, build with:
              swift build -c release -Xcc -march=native
            """)

    @Argument(help: "Built-in models or .onnx files to time instead of the standard suite.")
    var models: [String] = []

    @Option(parsing: .unconditional, help: "Threads (default: SEPCNN_THREADS, else the number of cores).")
    var threads: Int?

    @Option(help: "Only cases whose name contains this text.")
    var filter: String?

    @Option(parsing: .unconditional, help: "Minimum seconds of timed runs per case.")
    var seconds = 0.5

    @Option(parsing: .unconditional, help: "Input height and width of the built-in networks (default: their own, 224).")
    var resolution: Int?

    @Option(parsing: .unconditional, help: "Images per run of the networks (layer records stay at 1).")
    var batch = 1

    @Option(help: "The 100 % of '% of peak': nominal (default), measured, or a figure in GFLOP/s.")
    var peak = "nominal"

    @Flag(help: "Print the results as JSON (to standard output) instead of a table.")
    var json = false

    @Option(name: .customLong("json-file"), help: "Also write the results as JSON to this file.")
    var jsonPath: String?

    @Flag(help: "Also time each layer shape through the int8 (qs8) operators, as NAME-int8 records.")
    var int8 = false

    @Flag(help: "Also print the median time of every step of each network's plan (with --filter, of every case kept).")
    var profile = false

    @Option(help: "Also write an HTML page of the results to this file: each record's median time and, with --profile, every step's.")
    var report: String?

    func validate() throws {
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must lie between 1 and 256, got \(threads)") }
        guard seconds > 0, seconds <= 600 else { throw ValidationError("--seconds must lie in (0, 600], got \(seconds)") }
        if let resolution, !(1...4096).contains(resolution) { throw ValidationError("--resolution must lie between 1 and 4096, got \(resolution)") }
        guard (1...BenchmarkCase.maximumBatch).contains(batch) else {
            throw ValidationError("--batch must lie between 1 and \(BenchmarkCase.maximumBatch), got \(batch)")
        }
        _ = try peakChoice()
    }

    private enum PeakChoice { case nominal, measured, given(Double) }

    private func peakChoice() throws -> PeakChoice {
        switch peak {
        case "nominal": return .nominal
        case "measured": return .measured
        default:
            guard let value = Double(peak), value > 0, value.isFinite else {
                throw ValidationError("--peak must be nominal, measured or a positive number of GFLOP/s; got '\(peak)'")
            }
            return .given(value)
        }
    }

    func run() throws {
        flushOutputByLine()
        if let report { try AtomicFile.requireWritable(URL(fileURLWithPath: report), role: "report") }
        let pool = ThreadPool(threads: threads ?? ThreadPool.defaultThreads)
        let networks = ModelOptions(resolution: resolution)
        var cases = models.isEmpty
            ? try BenchmarkCase.standardSuite(int8: int8, networks: networks, batch: batch)
            : try models.map { try BenchmarkCase.model($0, options: networks, batch: batch) }
        if let filter { cases = cases.filter { $0.name.contains(filter) } }
        guard !cases.isEmpty else { throw ValidationError("no benchmark matches --filter \(filter ?? "")") }
        let peakThroughput: PeakThroughput
        switch try peakChoice() {
        case .nominal: peakThroughput = PeakThroughput.standard(pool: pool)
        case .measured: peakThroughput = PeakThroughput.measured(pool: pool)
        case .given(let value): peakThroughput = PeakThroughput(gflops: value, basis: "given with --peak")
        }
        let options = BenchmarkOptions(minimumSeconds: seconds)
        var results: [BenchmarkResult] = []
        let progress = ProgressLine(total: cases.count)
        for benchmark in cases {
            progress.advance(benchmark.name)
            var result = try Benchmark.run(benchmark, options: options, pool: pool, peak: peakThroughput)
            if profile && (benchmark.isNetwork || filter != nil), let (plan, input) = try? benchmark.makePlan(pool: pool) {
                // A single layer's plan has one step, whose label (the layer's path in a model) is empty.
                result.profile = try plan.profile(input).map {
                    ProfiledStep(step: $0.step.isEmpty ? benchmark.name : $0.step, medianMicroseconds: $0.medianMicroseconds)
                }
            }
            results.append(result)
        }
        progress.finish()
        let encoded = json || jsonPath != nil ? try encodeJSON(results) : ""
        if json {
            print(encoded)
        } else {
            print(Benchmark.table(results, peak: peakThroughput), terminator: "")
            for result in results { printProfile(of: result, threads: pool.threads) }
        }
        if let jsonPath {
            try Data((encoded + "\n").utf8).write(to: URL(fileURLWithPath: jsonPath), options: .atomic)
        }
        if let report { try writeReport(to: report, results: results, networks: Set(cases.filter(\.isNetwork).map(\.name))) }
    }

    private func printProfile(of result: BenchmarkResult, threads: Int) {
        guard let steps = result.profile else { return }
        let total = steps.reduce(0) { $0 + $1.medianMicroseconds }
        print("\nProfile of \(result.name) (\(threads) thread\(threads == 1 ? "" : "s"); sum of step medians \(String(format: "%.1f", total)) µs)")
        for step in steps {
            print(String(format: "%9.1f µs  %5.1f %%  ", step.medianMicroseconds, 100 * step.medianMicroseconds / max(total, 1e-9)) + step.step)
        }
    }
}

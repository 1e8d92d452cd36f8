import ArgumentParser
import Foundation
import SepCNN

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time single layers and whole networks: median latency, GFLOP/s and % of peak.",
        discussion: """
            Runs MobileNetV2-224's depthwise 3×3 and pointwise shapes (the shapes of ../shared/bench),
            a standard 3×3 convolution at 56×56×128→128, and MobileNetV1/V2 at 224×224, batch 1,
            each through an inference plan after a warm-up. Names: dw3x3-HxWxC-sS, pw-HxWxCin-Cout,
            conv3x3-HxWxCin-Cout, mobilenet-v1-224, mobilenet-v2-224. With --int8, each layer record is
            followed by its int8 twin (NAME-int8: the same shape through the int8 operators). Build with
            'swift build -c release -Xcc -march=native' for meaningful numbers.
            """)

    @Argument(help: "Built-in models or .onnx files to time instead of the standard suite.")
    var models: [String] = []

    @Option(help: "Threads (default: SEPCNN_THREADS, else the number of cores).")
    var threads: Int?

    @Option(help: "Only cases whose name contains this text.")
    var filter: String?

    @Option(help: "Minimum seconds of timed runs per case.")
    var seconds = 0.5

    @Option(name: .customLong("json"), help: "Also write the results as JSON to this file.")
    var jsonPath: String?

    @Flag(help: "Also time each layer shape through the int8 (qs8) operators, as NAME-int8 records.")
    var int8 = false

    @Flag(help: "For each model, also print the median time of every step of its plan.")
    var profile = false

    func validate() throws {
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must lie between 1 and 256") }
        guard seconds > 0, seconds <= 600 else { throw ValidationError("--seconds must lie in (0, 600]") }
    }

    func run() throws {
        flushOutputByLine()
        let pool = ThreadPool(threads: threads ?? ThreadPool.defaultThreads)
        var cases = models.isEmpty ? try BenchmarkCase.standardSuite(int8: int8) : try models.map { try BenchmarkCase.model($0) }
        if let filter { cases = cases.filter { $0.name.contains(filter) } }
        guard !cases.isEmpty else { throw ValidationError("no benchmark matches --filter \(filter ?? "")") }
        let peak = measurePeakGFLOPS(pool: pool)
        let options = BenchmarkOptions(minimumSeconds: seconds)
        var results: [BenchmarkResult] = []
        let progress = ProgressLine(total: cases.count)
        for benchmark in cases {
            progress.advance(benchmark.name)
            results.append(try Benchmark.run(benchmark, options: options, pool: pool, peakGFLOPS: peak))
        }
        progress.finish()
        print(Benchmark.table(results, peakGFLOPS: peak), terminator: "")
        if profile {
            for name in models {
                let (plan, input) = try BenchmarkCase.model(name).makePlan(pool: pool)
                let steps = try plan.profile(input)
                let total = steps.reduce(0) { $0 + $1.medianMicroseconds }
                print("\nProfile of \(name) (\(pool.threads) thread\(pool.threads == 1 ? "" : "s"); sum of step medians \(String(format: "%.1f", total)) µs)")
                for (step, time) in steps {
                    print(String(format: "%9.1f µs  %5.1f %%  ", time, 100 * time / total) + step)
                }
            }
        }
        if let jsonPath {
            try Data(encodeJSON(results).utf8).write(to: URL(fileURLWithPath: jsonPath), options: .atomic)
        }
    }
}

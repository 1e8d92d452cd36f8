import Foundation

/// One timed workload of `sepcnn bench`: a single layer or a whole network, run through an
/// `InferencePlan` exactly as inference runs it, or (`-int8` records) an int8 operator prepared once.
public struct BenchmarkCase: Sendable {
    /// `dw3x3-56x56x144-s1`, `pw-14x14x64-384`, `conv3x3-56x56x128-128`, `mobilenet-v2-224`;
    /// int8 twins end in `-int8`.
    public let name: String
    /// Floating-point operations per run (2 × multiply-accumulates; int8 records count their MACs the same way).
    public let flops: Double
    /// A whole network (a built-in model or a model file) rather than one layer or operator.
    public let isNetwork: Bool
    let workload: Workload

    enum Workload: Sendable {
        case plan(@Sendable (ThreadPool) throws -> (InferencePlan, Tensor))
        /// Returns the call to time, with its buffers already allocated and filled.
        case prepared(@Sendable (ThreadPool) throws -> PreparedBenchmark)
    }

    init(name: String, flops: Double, isNetwork: Bool = false, _ build: @escaping @Sendable (ThreadPool) throws -> (InferencePlan, Tensor)) {
        self.name = name
        self.flops = flops
        self.isNetwork = isNetwork
        workload = .plan(build)
    }

    /// A case timed by calling what `prepare` returns: the hook for int8 records (layers here; the int8
    /// inference plan's `mobilenet-v2-224-int8` can join through it, see `int8Suite`).
    init(name: String, flops: Double, prepared prepare: @escaping @Sendable (ThreadPool) throws -> PreparedBenchmark) {
        self.name = name
        self.flops = flops
        isNetwork = false
        workload = .prepared(prepare)
    }

    /// The case's compiled plan on `pool`, and the input it is timed on. Throws for int8 operator records.
    public func makePlan(pool: ThreadPool) throws -> (InferencePlan, Tensor) {
        guard case .plan(let build) = workload else {
            throw SepCNNError.invalidArgument("benchmark \(name) times an int8 operator, not an inference plan")
        }
        return try build(pool)
    }

    /// Depthwise 3×3, padding 1, bias, at H×W×C and the stride.
    public static func depthwise3x3(height: Int, width: Int, channels: Int, stride: Int) -> BenchmarkCase {
        layer("dw3x3-\(height)x\(width)x\(channels)-s\(stride)", inputShape: [1, height, width, channels]) {
            try DepthwiseConv2D(channels: channels, kernelSize: 3, stride: Size2D(stride), padding: .explicit(1))
        }
    }

    /// Pointwise 1×1 with bias, H×W×Cin → Cout.
    public static func pointwise(height: Int, width: Int, inputChannels: Int, outputChannels: Int) -> BenchmarkCase {
        layer("pw-\(height)x\(width)x\(inputChannels)-\(outputChannels)", inputShape: [1, height, width, inputChannels]) {
            try PointwiseConv2D(inputChannels: inputChannels, outputChannels: outputChannels)
        }
    }

    /// Standard 3×3 convolution, padding 1, bias, H×W×Cin → Cout.
    public static func standard3x3(height: Int, width: Int, inputChannels: Int, outputChannels: Int) -> BenchmarkCase {
        layer("conv3x3-\(height)x\(width)x\(inputChannels)-\(outputChannels)", inputShape: [1, height, width, inputChannels]) {
            try Conv2D(inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: 3, padding: .explicit(1))
        }
    }

    /// MobileNet's stem: 3×3 stride 2, padding 1, 3 → 32 channels, bias.
    public static func stem(height: Int, width: Int) -> BenchmarkCase {
        layer("stem3x3s2-\(height)x\(width)x3-32", inputShape: [1, height, width, 3]) {
            try Conv2D(inputChannels: 3, outputChannels: 32, kernelSize: 3, stride: Size2D(2), padding: .explicit(1))
        }
    }

    /// Largest batch of a network record.
    public static let maximumBatch = 256
    /// Largest batch × height × width of a network record's input: 64 images of 224×224, whose
    /// MobileNetV2 activations already take about 1 GB.
    public static let maximumBatchPixels = 64 * 224 * 224

    /// A built-in model or a model file (see `Model.load`) at `batch` images per run, named
    /// `NAME-RESOLUTION`, with `-bBATCH` after it for batches above 1.
    public static func model(_ name: String, options: ModelOptions = ModelOptions(), batch: Int = 1) throws -> BenchmarkCase {
        guard (1...maximumBatch).contains(batch) else {
            throw SepCNNError.invalidArgument("the batch must lie between 1 and \(maximumBatch), got \(batch)")
        }
        let make: @Sendable () throws -> Model = { try Random.withSeed(0) { try Model.load(name, options: options) } }
        let model = try make()
        try checkBatchPixels(batch, model)
        let macs = try ModelSummary(model).macs
        let inputShape = [batch] + model.inputShape
        return BenchmarkCase(name: networkName(model, batch: batch), flops: 2 * Double(macs) * Double(batch), isNetwork: true) { pool in
            (try InferencePlan(make(), batch: batch, pool: pool), try randomInput(inputShape))
        }
    }

    /// `mobilenet-v2-224`, `mobilenet-v2-160-b8`.
    static func networkName(_ model: Model, batch: Int) -> String {
        "\(model.name)-\(model.inputShape[0])" + (batch > 1 ? "-b\(batch)" : "")
    }

    static func checkBatchPixels(_ batch: Int, _ model: Model) throws {
        let pixels = model.inputShape.count == 3 ? model.inputShape[0] * model.inputShape[1] : 1
        guard batch <= maximumBatchPixels / max(pixels, 1) else {
            throw SepCNNError.invalidArgument("a batch of \(batch) at \(model.inputShape[0])×\(model.inputShape[1]) is too large to time: "
                                              + "batch × height × width must be at most \(maximumBatchPixels) (64 images of 224×224)")
        }
    }

    /// A built-in model quantized to int8 (calibrated on random images: timing does not depend on
    /// the ranges), named `NAME-RESOLUTION-int8`.
    public static func int8Model(_ name: String, options: ModelOptions = ModelOptions(), batch: Int = 1) throws -> BenchmarkCase {
        guard (1...maximumBatch).contains(batch) else {
            throw SepCNNError.invalidArgument("the batch must lie between 1 and \(maximumBatch), got \(batch)")
        }
        let make: @Sendable () throws -> Model = {
            let model = try Random.withSeed(0) { try Model.load(name, options: options) }
            var generator = RandomGenerator(seed: 2)
            let batches = try (0..<2).map { _ in try Tensor.normal([2] + model.inputShape, using: &generator) }
            // Random weights with BatchNorm's initial statistics shrink or blow up the features from
            // layer to layer, and the classifier's input scale then falls so low that its bias would
            // saturate int32: it ran in float. Statistics estimated on the calibration images keep
            // every layer's values near unit scale, as training leaves them, so all of it runs in int8.
            try model.recalibrateBatchNorm(on: PruningData(batches: batches.map { ($0, []) }))
            return try PostTrainingQuantizer().quantize(model, calibrationBatches: batches)
        }
        let float = try Random.withSeed(0) { try Model.load(name, options: options) }
        try checkBatchPixels(batch, float)
        let macs = try ModelSummary(float).macs
        let inputShape = [batch] + float.inputShape
        return BenchmarkCase(name: networkName(float, batch: batch) + "-int8", flops: 2 * Double(macs) * Double(batch), isNetwork: true) { pool in
            (try InferencePlan(make(), batch: batch, pool: pool), try randomInput(inputShape))
        }
    }

    private static func randomInput(_ shape: [Int]) throws -> Tensor {
        var generator = RandomGenerator(seed: 1)
        return try Tensor.normal(shape, using: &generator)
    }

    private static func layer(_ name: String, inputShape: [Int], _ make: @escaping @Sendable () throws -> any Layer) -> BenchmarkCase {
        // MACs of the layer at batch 1, from its own accounting (checked by the summary tests).
        let macs = (try? Random.withSeed(0) { try make().macs(for: inputShape) }) ?? 0
        return BenchmarkCase(name: name, flops: 2 * Double(macs)) { pool in
            let layer = try Random.withSeed(0) { try make() }
            return (try InferencePlan(layer, inputShape: inputShape, pool: pool), try randomInput(inputShape))
        }
    }

    /// The shapes of `sepcnn bench`: MobileNetV2-224's depthwise and pointwise layers (the shapes of
    /// `../shared/bench`), 56×56×128 standard against separable, and the two whole networks, built
    /// with `networks` (e.g. another resolution) and timed on `batch` images per run.
    public static func standardSuite(int8: Bool = false, networks: ModelOptions = ModelOptions(), batch: Int = 1) throws -> [BenchmarkCase] {
        guard int8 else { return try floatSuite(networks: networks, batch: batch) }
        // The stem (MobileNet's first layer) only in int8 runs: the float suite's output stays as it was.
        let float = try floatSuite(networks: networks, batch: batch) + [stem(height: 224, width: 224)]
        // Each layer's int8 twin right after it, so the two read side by side.
        let twins = Dictionary(uniqueKeysWithValues: try int8Suite(networks: networks, batch: batch).map {
            (String($0.name.dropLast("-int8".count)), $0)
        })
        return float.flatMap { [$0] + (twins[$0.name].map { [$0] } ?? []) }
    }

    /// (height, width, channels, stride) of the depthwise 3×3 records.
    static let layerDepthwiseShapes = [(112, 112, 32, 1), (112, 112, 96, 2), (56, 56, 144, 1), (56, 56, 144, 2), (28, 28, 192, 1),
                                       (14, 14, 384, 1), (14, 14, 576, 1), (7, 7, 960, 1), (56, 56, 128, 1)]
    /// (height, width, input channels, output channels) of the pointwise records.
    static let layerPointwiseShapes = [(112, 112, 32, 16), (56, 56, 24, 144), (56, 56, 144, 24), (28, 28, 32, 192), (14, 14, 64, 384),
                                       (14, 14, 384, 64), (7, 7, 160, 960), (7, 7, 960, 320), (56, 56, 128, 128)]

    private static func floatSuite(networks: ModelOptions, batch: Int) throws -> [BenchmarkCase] {
        return layerDepthwiseShapes.map { depthwise3x3(height: $0.0, width: $0.1, channels: $0.2, stride: $0.3) }
            + layerPointwiseShapes.map { pointwise(height: $0.0, width: $0.1, inputChannels: $0.2, outputChannels: $0.3) }
            + [standard3x3(height: 56, width: 56, inputChannels: 128, outputChannels: 128),
               try model("mobilenet-v1", options: networks, batch: batch), try model("mobilenet-v2", options: networks, batch: batch)]
    }
}

/// What one benchmark measured.
public struct BenchmarkResult: Codable, Equatable, Sendable {
    public var name: String
    public var threads: Int
    public var medianMicroseconds: Double
    public var minimumMicroseconds: Double
    public var repetitions: Int
    public var gflops: Double
    /// Of `peakGFLOPS`.
    public var percentOfPeak: Double
    /// The peak the percentage is of, and how it was obtained (`PeakThroughput`).
    public var peakGFLOPS: Double
    public var peakBasis: String
    /// With `sepcnn bench --profile`: the median time of every step of the case's plan.
    public var profile: [ProfiledStep]?
}

/// One step of a profiled plan.
public struct ProfiledStep: Codable, Equatable, Sendable {
    public var step: String
    public var medianMicroseconds: Double

    public init(step: String, medianMicroseconds: Double) {
        self.step = step
        self.medianMicroseconds = medianMicroseconds
    }
}

/// How long `sepcnn bench` measures each case.
public struct BenchmarkOptions: Sendable {
    /// Untimed runs first, for caches, page faults and the pool's threads.
    public var warmup: Int
    public var minimumRepetitions: Int
    /// Keep repeating until this much time has passed (and at least `minimumRepetitions`).
    public var minimumSeconds: Double

    public init(warmup: Int = 10, minimumRepetitions: Int = 30, minimumSeconds: Double = 0.5) {
        self.warmup = warmup
        self.minimumRepetitions = minimumRepetitions
        self.minimumSeconds = minimumSeconds
    }
}

public enum Benchmark {
    /// Times one case: warm-up, then the median of repeated runs of its plan.
    public static func run(_ benchmark: BenchmarkCase, options: BenchmarkOptions, pool: ThreadPool, peak: PeakThroughput) throws -> BenchmarkResult {
        var samples: [Double]
        switch benchmark.workload {
        case .plan(let build):
            let (plan, input) = try build(pool)
            // Input and output on 64-byte boundaries, as the C benchmarks allocate theirs (aligned_alloc(64)).
            let x = UnsafeMutableRawPointer.allocate(byteCount: max(input.count, 1) * 4, alignment: 64).bindMemory(to: Float.self, capacity: max(input.count, 1))
            let outputCount = plan.outputShape.reduce(1, *)
            let y = UnsafeMutableRawPointer.allocate(byteCount: max(outputCount, 1) * 4, alignment: 64).bindMemory(to: Float.self, capacity: max(outputCount, 1))
            defer {
                x.deallocate()
                y.deallocate()
            }
            input.withPointer { x.initialize(from: $0, count: input.count) }
            y.initialize(repeating: 0, count: max(outputCount, 1))
            samples = try time(options) { try plan.run(input: x, output: y) }
        case .prepared(let prepare):
            let prepared = try prepare(pool)
            samples = try time(options) { prepared.run() }
        }
        samples.sort()
        let median = samples[samples.count / 2]
        let gflops = benchmark.flops / median / 1e3
        return BenchmarkResult(name: benchmark.name, threads: pool.threads, medianMicroseconds: median,
                               minimumMicroseconds: samples[0], repetitions: samples.count, gflops: gflops,
                               percentOfPeak: 100 * gflops / peak.gflops, peakGFLOPS: peak.gflops, peakBasis: peak.basis)
    }

    /// Warm-up, then microseconds of each timed call until both minimums are met.
    private static func time(_ options: BenchmarkOptions, _ body: () throws -> Void) throws -> [Double] {
        for _ in 0..<options.warmup { try body() }
        var samples: [Double] = []
        let clock = ContinuousClock()
        let start = clock.now
        while samples.count < options.minimumRepetitions || (clock.now - start) < .seconds(options.minimumSeconds) {
            samples.append(microsecondsOf(try clock.measure { try body() }))
            if samples.count >= 100_000 { break }
        }
        return samples
    }

    /// A table row per result, in the order given.
    public static func table(_ results: [BenchmarkResult], peak: PeakThroughput) -> String {
        let rows = results.map { r in
            [r.name, "\(r.threads)", String(format: "%.1f", r.medianMicroseconds), String(format: "%.1f", r.gflops),
             String(format: "%.1f %%", r.percentOfPeak)]
        }
        return formatTable(header: ["benchmark", "threads", "median µs", "GFLOP/s", "% of peak"], rows: rows, rightAligned: [1, 2, 3, 4])
            + String(format: "peak: %.0f GFLOP/s, ", peak.gflops) + peak.basis + "\n"
    }
}

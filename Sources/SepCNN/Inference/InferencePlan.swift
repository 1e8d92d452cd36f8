/// A model compiled for fast inference on one input shape.
///
/// Building the plan folds each BatchNorm into the convolution before it and fuses activations
/// into the convolution's output pass, and runs large separable blocks (expand → depthwise →
/// project → residual) band by band so their wide intermediate tensors stay in cache
/// (`FusedBlockStep`). It also copies and prepares the weights once and lays
/// out every intermediate value in one arena. Running it allocates only the returned tensor
/// (`run(input:output:)` allocates nothing). The plan snapshots the weights: rebuild it after
/// training or loading new weights. A plan is not thread-safe (its arena holds one run's values):
/// run it from one thread at a time, and build one plan per thread to run several inferences at once.
public final class InferencePlan {
    public let inputShape: [Int]
    public let outputShape: [Int]
    let steps: [any PlanStep]
    /// Every value the steps compute, and its byte offset in the arena (value 0, the input, lives outside it).
    private let values: [PlanValue]
    private let offsets: [Int]
    private let outputValue: Int
    private let arenaByteCount: Int
    private let arena: UnsafeMutableRawPointer
    private let scratch: UnsafeMutablePointer<Float>
    private let pool: ThreadPool

    /// Compiles `model` for batches of `batch` images.
    ///
    /// - Parameters:
    ///   - model: a float or int8 model; its current weights are copied into the plan.
    ///   - batch: the images per call (default 1). The plan runs only this batch size: build one per size
    ///     you serve (the arena grows with the batch).
    ///   - pool: the threads the steps split their work over (default ``ThreadPool/shared``, as many as
    ///     `SEPCNN_THREADS` or the cores). A pool of one thread also fuses int8 blocks.
    /// - Throws: ``SepCNNError`` if `batch` is not positive or a layer cannot be planned for the shape,
    ///   naming the layer.
    public convenience init(_ model: Model, batch: Int = 1, pool: ThreadPool = .shared) throws {
        guard batch > 0 else { throw SepCNNError.invalidArgument("batch must be positive, got \(batch)") }
        try self.init(model.network, inputShape: [batch] + model.inputShape, pool: pool)
    }

    /// Compiles any layer for inputs of `inputShape`.
    ///
    /// - Parameters:
    ///   - network: any layer or container, in inference mode (BatchNorm with running statistics,
    ///     no dropout).
    ///   - inputShape: the full input shape, batch included: `[N, H, W, C]` for images.
    ///   - pool: the threads the steps split their work over (default ``ThreadPool/shared``).
    /// - Throws: ``SepCNNError`` for an invalid shape or a layer that cannot be planned for it, naming the layer.
    public convenience init(_ network: any Layer, inputShape: [Int], pool: ThreadPool = .shared) throws {
        try self.init(network, inputShape: inputShape, pool: pool, fusingBlocks: true)
    }

    /// `fusingBlocks: false` keeps every separable block as separate steps (for tests and per-layer
    /// profiles); `fusingInt8` overrides whether int8 blocks fuse (by default in one-thread plans only).
    init(_ network: any Layer, inputShape: [Int], pool: ThreadPool, fusingBlocks: Bool, fusingInt8: Bool? = nil) throws {
        try Tensor.validate(inputShape)
        var builder = PlanBuilder(inputShape: inputShape)
        // The caller gets floats: an int8 result is dequantized by the last step.
        outputValue = builder.floatInput(try builder.lower(network, name: "", input: 0))
        steps = fusingBlocks ? BlockFusion.apply(builder.steps, outputValue: outputValue, int8: fusingInt8 ?? (pool.threads == 1)) : builder.steps
        self.inputShape = inputShape
        outputShape = builder.shape(of: outputValue)
        values = builder.values
        self.pool = pool

        // Lifetimes: a value dies after the last step that reads it; the output never dies.
        var lastUse = [Int](repeating: -1, count: values.count)
        for (index, step) in steps.enumerated() { for value in step.inputs { lastUse[value] = index } }
        var planner = BufferPlanner()
        var block = [Int](repeating: -1, count: values.count)
        for (index, step) in steps.enumerated() {
            block[step.output] = planner.allocate(byteCount: values[step.output].byteCount)
            for value in Set(step.inputs) where value != 0 && value != outputValue && lastUse[value] == index {
                planner.release(block[value])
            }
        }
        offsets = block.map { $0 < 0 ? 0 : planner.offsets[$0] }
        arenaByteCount = planner.arenaByteCount
        arena = Self.allocateAligned(byteCount: arenaByteCount)
        let scratchCount = steps.map { $0.scratchCount(threads: pool.threads) }.max() ?? 0
        scratch = Self.allocateAligned(byteCount: scratchCount * MemoryLayout<Float>.size)
            .initializeMemory(as: Float.self, repeating: 0, count: max(scratchCount, 1))
    }

    deinit {
        arena.deallocate()
        scratch.deallocate()
    }

    /// Zeroed bytes starting on a 64-byte boundary: every planned value starts on a cache line,
    /// and the kernels' vector loads never straddle two (misaligned loads ran up to a third slower).
    private static func allocateAligned(byteCount: Int) -> UnsafeMutableRawPointer {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 4), alignment: 64)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: max(byteCount, 4))
        return raw
    }

    /// Bytes of intermediate memory the plan holds: every value shares this one arena.
    public var arenaBytes: Int { arenaByteCount }

    /// Runs the plan on `input` (shape `inputShape`) and returns the output.
    ///
    /// - Parameter input: an NHWC float32 batch of exactly ``inputShape``.
    /// - Throws: ``SepCNNError`` if the shape differs from the one the plan was built for.
    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        guard input.shape == inputShape else {
            throw SepCNNError.shapeMismatch("this plan was built for input \(describe(inputShape)), got \(describe(input.shape))")
        }
        var output = Tensor(uncheckedShape: outputShape)
        try input.withPointer { x in try output.withMutablePointer { y in try run(input: x, output: y) } }
        return output
    }

    /// Runs the plan from and into caller-owned buffers of `inputShape` and `outputShape` elements,
    /// which must not overlap. The last step writes straight into `output`. Allocates nothing.
    ///
    /// - Parameters:
    ///   - input: ``inputShape``'s element count of float32 values, NHWC.
    ///   - output: room for ``outputShape``'s element count of float32 values.
    public func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) throws {
        let context = ExecutionContext(input: input, output: output, outputValue: outputValue, arena: arena,
                                       offsets: offsets, values: values, scratch: scratch, pool: pool)
        for step in steps { try step.run(context) }
        if outputValue == 0 { output.update(from: input, count: outputShape.reduce(1, *)) }  // an identity network
    }

    /// One line per step: what was fused, for `sepcnn bench --profile` and for reading.
    public var stepDescriptions: [String] { steps.map(\.label) }

    /// The steps computing on int8 values (the quantize and dequantize steps at the edges excluded).
    public var int8Steps: [String] {
        steps.filter { values[$0.output].elementType != .float32 && !($0 is QuantizeStep) }.map(\.label)
    }

    /// In a plan with int8 steps, the steps that compute in float32 instead: the operations
    /// without an int8 kernel, each between a dequantize and a quantize step. Empty for a float plan.
    public var floatStepsBetweenInt8: [String] {
        guard steps.contains(where: { $0 is QuantizeStep }) else { return [] }
        return steps.filter { values[$0.output].elementType == .float32 && !($0 is DequantizeStep) }.map(\.label)
    }

    /// The median time of every step over `repetitions` runs on `input`, in step order.
    ///
    /// - Parameters:
    ///   - input: a batch of ``inputShape``, such as random values: the time does not depend on them.
    ///   - repetitions: runs of the whole plan (default 50); the first ones warm the caches up too.
    /// - Returns: each step's label and median time in microseconds.
    public func profile(_ input: Tensor, repetitions: Int = 50) throws -> [(step: String, medianMicroseconds: Double)] {
        guard input.shape == inputShape else {
            throw SepCNNError.shapeMismatch("this plan was built for input \(describe(inputShape)), got \(describe(input.shape))")
        }
        var samples = [[Double]](repeating: [], count: steps.count)
        let clock = ContinuousClock()
        try input.withPointer { x in
            // The output value goes to the arena block planned for it: nothing here receives it.
            let output = (arena + offsets[outputValue]).bindMemory(to: Float.self, capacity: values[outputValue].elementCount)
            let context = ExecutionContext(input: x, output: output, outputValue: outputValue,
                                           arena: arena, offsets: offsets, values: values, scratch: scratch, pool: pool)
            for _ in 0..<max(repetitions, 1) {
                for (index, step) in steps.enumerated() {
                    let elapsed = try clock.measure { try step.run(context) }
                    samples[index].append(microsecondsOf(elapsed))
                }
            }
        }
        return zip(steps, samples).map { step, times in (step.label, times.sorted()[times.count / 2]) }
    }
}

/// Depthwise convolution with BatchNorm folded in and the activation fused.
struct DepthwiseStep: PlanStep {
    let geometry: ConvGeometry
    let weights: AlignedFloats
    let bias: AlignedFloats
    let activation: Activation
    let inputs: [Int]
    let output: Int
    let label: String

    init(geometry: ConvGeometry, convolution: FoldedConvolution, inputs: [Int], output: Int, label: String) {
        self.geometry = geometry
        weights = AlignedFloats(convolution.weights)
        bias = AlignedFloats(convolution.bias)
        activation = convolution.activation
        self.inputs = inputs
        self.output = output
        self.label = label
    }

    func scratchCount(threads: Int) -> Int { depthwiseScratchCount(geometry) * threads }

    func run(_ context: ExecutionContext) {
        depthwiseConv2D(geometry, input: context.read(inputs[0]), weights: weights.pointer, bias: bias.pointer,
                        activation: activation, output: context.write(output), scratch: context.scratch, pool: context.pool)
    }
}

/// `[rows, k] × [k, n]`: pointwise convolution (rows = pixels) and dense layers (rows = batch),
/// with the folded weights packed once when the plan is built.
struct GEMMStep: PlanStep {
    let rows: Int
    let packed: PackedGEMMWeights
    let bias: AlignedFloats
    let activation: Activation
    let inputs: [Int]
    let output: Int
    let label: String

    init(rows: Int, k: Int, convolution: FoldedConvolution, inputs: [Int], output: Int, label: String) {
        self.rows = rows
        packed = convolution.weights.withUnsafeBufferPointer {
            PackedGEMMWeights(k: k, n: convolution.outputChannels, b: $0.baseAddress!, ldb: convolution.outputChannels)
        }
        bias = AlignedFloats(convolution.bias)
        activation = convolution.activation
        self.inputs = inputs
        self.output = output
        self.label = label
    }

    func run(_ context: ExecutionContext) {
        gemm(m: rows, a: context.read(inputs[0]), lda: packed.k, packed: packed, bias: bias.pointer,
             activation: activation, c: context.write(output), ldc: packed.n, pool: context.pool)
    }
}

/// Standard or grouped convolution, its folded weights packed once: by the direct kernel when it
/// has few input channels (a stem), else as im2col + GEMM.
struct ConvolutionStep: PlanStep {
    enum Weights {
        case fewChannels(AlignedFloats)
        case im2col([PackedGEMMWeights])
    }
    let geometry: ConvGeometry
    let weights: Weights
    let bias: AlignedFloats
    let activation: Activation
    let inputs: [Int]
    let output: Int
    let label: String

    init(geometry: ConvGeometry, convolution: FoldedConvolution, inputs: [Int], output: Int, label: String) {
        self.geometry = geometry
        weights = convolution.weights.withUnsafeBufferPointer {
            usesFewChannelsConvolution(geometry)
                ? .fewChannels(AlignedFloats(packFewChannelsWeights(geometry, weights: $0.baseAddress!)))
                : .im2col(packConvolutionGroups(geometry, weights: $0.baseAddress!))
        }
        bias = AlignedFloats(convolution.bias)
        activation = convolution.activation
        self.inputs = inputs
        self.output = output
        self.label = label
    }

    func scratchCount(threads: Int) -> Int {
        switch weights {
        case .fewChannels: return fewChannelsScratchCount(geometry) &* threads
        case .im2col: return conv2DScratchCount(geometry, threads: threads)
        }
    }

    func run(_ context: ExecutionContext) {
        switch weights {
        case .fewChannels(let packed):
            convFewChannels(geometry, input: context.read(inputs[0]), packedWeights: packed.pointer, bias: bias.pointer,
                            activation: activation, output: context.write(output), scratch: context.scratch, pool: context.pool)
        case .im2col(let packedGroups):
            conv2D(geometry, input: context.read(inputs[0]), packedGroups: packedGroups, bias: bias.pointer,
                   activation: activation, output: context.write(output), scratch: context.scratch, pool: context.pool)
        }
    }
}

/// A BatchNorm that could not be folded (its convolution already had an activation), with the
/// activation after it fused.
struct ScaleShiftStep: PlanStep {
    let rows: Int
    let scale: [Float]
    let shift: [Float]
    let activation: Activation
    let inputs: [Int]
    let output: Int
    let label: String

    func run(_ context: ExecutionContext) {
        scaleShiftReference(context.read(inputs[0]), rows: rows, channels: scale.count, scale: scale, shift: shift,
                            activation: activation, output: context.write(output))
    }
}

struct ActivationStep: PlanStep {
    let count: Int
    let activation: Activation
    let inputs: [Int]
    let output: Int
    let label: String

    func run(_ context: ExecutionContext) {
        applyActivation(activation, context.read(inputs[0]), context.write(output), count: count)
    }
}

struct PoolStep: PlanStep {
    enum Kind { case max, average(countIncludesPadding: Bool) }
    let kind: Kind
    let geometry: ConvGeometry
    let inputs: [Int]
    let output: Int
    let label: String

    func run(_ context: ExecutionContext) {
        switch kind {
        case .max:
            maxPool2DReference(geometry, input: context.read(inputs[0]), output: context.write(output))
        case .average(let includePadding):
            avgPool2DReference(geometry, countIncludesPadding: includePadding, input: context.read(inputs[0]), output: context.write(output))
        }
    }
}

struct GlobalAvgPoolStep: PlanStep {
    let batch: Int, pixels: Int, channels: Int
    let inputs: [Int]
    let output: Int
    let label: String

    func run(_ context: ExecutionContext) {
        globalAvgPoolReference(batch: batch, pixels: pixels, channels: channels, input: context.read(inputs[0]), output: context.write(output))
    }
}

struct SoftmaxStep: PlanStep {
    let rows: Int, columns: Int
    let inputs: [Int]
    let output: Int
    let label: String

    func run(_ context: ExecutionContext) {
        softmaxRows(context.read(inputs[0]), output: context.write(output), rows: rows, columns: columns)
    }
}

/// The residual addition: inputs[0] + inputs[1].
struct AddStep: PlanStep {
    let count: Int
    let inputs: [Int]
    let output: Int
    let label: String

    func run(_ context: ExecutionContext) {
        add(context.read(inputs[0]), context.read(inputs[1]), output: context.write(output), count: count)
    }
}

/// The channel gate: inputs[0] scaled by the per-image factors in inputs[1].
struct MultiplyStep: PlanStep {
    let batch: Int, pixels: Int, channels: Int
    let inputs: [Int]
    let output: Int
    let label: String

    func run(_ context: ExecutionContext) {
        multiplyChannels(context.read(inputs[0]), gate: context.read(inputs[1]), output: context.write(output),
                         batch: batch, pixels: pixels, channels: channels)
    }
}

/// A reshape (Flatten): the same floats under a new shape.
struct CopyStep: PlanStep {
    let count: Int
    let inputs: [Int]
    let output: Int
    let label: String

    func run(_ context: ExecutionContext) {
        context.write(output).update(from: context.read(inputs[0]), count: count)
    }
}

/// Any layer the planner has no step for runs through its own `forward`. Correct, but it
/// allocates; the built-in layers never take this path.
struct LayerStep: PlanStep {
    let layer: any Layer
    let inputShape: [Int]
    let inputs: [Int]
    let output: Int
    let label: String

    func run(_ context: ExecutionContext) throws {
        let count = inputShape.reduce(1, *)
        let input = Tensor(uncheckedShape: inputShape, scalars: Array(UnsafeBufferPointer(start: context.read(inputs[0]), count: count)))
        let result = try layer.forward(input, training: false)
        result.withPointer { context.write(output).update(from: $0, count: result.count) }
    }
}

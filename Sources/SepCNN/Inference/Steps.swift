/// Depthwise convolution with BatchNorm folded in and the activation fused.
struct DepthwiseStep: PlanStep {
    let geometry: ConvGeometry
    let convolution: FoldedConvolution
    let inputs: [Int]
    let output: Int
    let label: String

    func run(_ context: ExecutionContext) {
        convolution.weights.withUnsafeBufferPointer { w in
            convolution.bias.withUnsafeBufferPointer { b in
                depthwiseConv2D(geometry, input: context.read(inputs[0]), weights: w.baseAddress!, bias: b.baseAddress!,
                                activation: convolution.activation, output: context.write(output))
            }
        }
    }
}

/// `[rows, k] × [k, n]`: pointwise convolution (rows = pixels) and dense layers (rows = batch).
struct GEMMStep: PlanStep {
    let rows: Int
    let k: Int
    let convolution: FoldedConvolution
    let inputs: [Int]
    let output: Int
    let label: String

    func run(_ context: ExecutionContext) {
        let n = convolution.outputChannels
        convolution.weights.withUnsafeBufferPointer { w in
            convolution.bias.withUnsafeBufferPointer { b in
                gemm(m: rows, n: n, k: k, a: context.read(inputs[0]), lda: k, b: w.baseAddress!, ldb: n,
                     bias: b.baseAddress!, activation: convolution.activation, c: context.write(output), ldc: n)
            }
        }
    }
}

/// Standard or grouped convolution as im2col + GEMM.
struct ConvolutionStep: PlanStep {
    let geometry: ConvGeometry
    let convolution: FoldedConvolution
    let inputs: [Int]
    let output: Int
    let label: String

    var scratchCount: Int { im2colScratchCount(geometry) }

    func run(_ context: ExecutionContext) {
        convolution.weights.withUnsafeBufferPointer { w in
            convolution.bias.withUnsafeBufferPointer { b in
                conv2DIm2Col(geometry, input: context.read(inputs[0]), weights: w.baseAddress!, bias: b.baseAddress!,
                             activation: convolution.activation, output: context.write(output), scratch: context.scratch)
            }
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

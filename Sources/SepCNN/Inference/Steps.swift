/// Any one-input operator as a step: created for the step's shapes when the plan was built.
struct OperatorStep<Operation: UnaryOperator>: PlanStep {
    let operation: Operation
    let inputs: [Int]
    let output: Int
    let label: String

    init(_ operation: Operation, input: Int, output: Int, label: String) {
        self.operation = operation
        inputs = [input]
        self.output = output
        self.label = label
    }

    func scratchCount(threads: Int) -> Int { operation.scratchCount(threads: threads) }

    func run(_ context: ExecutionContext) {
        operation.run(input: context.read(inputs[0]), output: context.write(output), scratch: context.scratch, pool: context.pool)
    }
}

// The steps block fusion looks for, and tests name.
typealias DepthwiseStep = OperatorStep<DepthwiseOperator>
typealias GEMMStep = OperatorStep<GEMMOperator>
typealias ScaleShiftStep = OperatorStep<ScaleShiftOperator>
typealias ActivationStep = OperatorStep<ActivationOperator>

/// Arithmetic on two values, or on one value and a constant kept with the step.
struct BinaryStep: PlanStep {
    let operation: BinaryOperator
    let constant: AlignedFloats?
    let constantFirst: Bool
    let inputs: [Int]
    let output: Int
    let label: String

    func run(_ context: ExecutionContext) {
        let x = context.read(inputs[0]), y = context.write(output)
        if let constant {
            let c = UnsafePointer(constant.pointer)
            operation.run(constantFirst ? c : x, constantFirst ? x : c, output: y, pool: context.pool)
        } else {
            operation.run(x, context.read(inputs[1]), output: y, pool: context.pool)
        }
    }
}

struct ConcatenateStep: PlanStep {
    let operation: ConcatenationOperator
    let inputs: [Int]
    let output: Int
    let label: String

    func run(_ context: ExecutionContext) {
        let y = context.write(output)
        for (index, value) in inputs.enumerated() { operation.copy(input: index, context.read(value), into: y) }
    }
}

/// A reshape (Flatten, Reshape): the same values, float or int8, under a new shape.
struct CopyStep: PlanStep {
    let byteCount: Int
    let inputs: [Int]
    let output: Int
    let label: String

    func run(_ context: ExecutionContext) {
        if context.values[output].elementType == .float32 {
            context.write(output).update(from: context.read(inputs[0]), count: byteCount / 4)
        } else {
            context.int8(output).update(from: context.int8(inputs[0]), count: byteCount)
        }
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

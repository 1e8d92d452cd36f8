/// Any int8 operator as a step: int8 in, int8 out, in the quantizations the plan gave the values.
struct QS8OperatorStep<Operation: QS8UnaryOperator>: PlanStep {
    let operation: Operation
    let inputs: [Int]
    let output: Int
    let label: String

    func scratchCount(threads: Int) -> Int { (operation.scratchByteCount(threads: threads) + 3) / 4 }

    func run(_ context: ExecutionContext) {
        operation.run(input: context.int8(inputs[0]), output: context.int8(output), scratch: context.scratchBytes, pool: context.pool)
    }
}

/// Float → int8 where a float value enters the quantized part of a plan (the model's input, or
/// after a layer without an int8 kernel).
struct QuantizeStep: PlanStep {
    let operation: QuantizeOperator
    let inputs: [Int]
    let output: Int
    let label: String

    func run(_ context: ExecutionContext) {
        operation.run(input: context.read(inputs[0]), output: context.int8(output), pool: context.pool)
    }
}

/// Int8 → float where a layer without an int8 kernel, or the caller, reads an int8 value.
struct DequantizeStep: PlanStep {
    let operation: DequantizeOperator
    let inputs: [Int]
    let output: Int
    let label: String

    func run(_ context: ExecutionContext) {
        operation.run(input: context.int8(inputs[0]), output: context.write(output), pool: context.pool)
    }
}

/// The residual addition of two int8 values of different scales, into a third.
struct QS8AddStep: PlanStep {
    let operation: QS8AddOperator
    let inputs: [Int]
    let output: Int
    let label: String

    func run(_ context: ExecutionContext) {
        operation.run(context.int8(inputs[0]), context.int8(inputs[1]), output: context.int8(output), pool: context.pool)
    }
}

/// Replaces each run of steps `[expand GEMM →] depthwise → project GEMM [→ residual add]` whose
/// intermediate values nothing else reads by one `FusedBlockStep` (`QS8FusedBlockStep` in int8),
/// when its maps are large enough for the expanded tensor to leave the caches. This is a pass over the lowered steps, so it sees
/// the same blocks whatever layers (zoo model, imported graph) produced them.
enum BlockFusion {
    /// Blocks whose depthwise output has fewer rows stay unfused: their tensors fit in the caches
    /// anyway, and splitting few rows over threads would repeat too many expanded rows at the seams.
    static let minimumOutputHeight = 28

    /// int8 blocks fuse only with `int8` (one-thread plans). At one thread the fused int8 step beat
    /// the separate steps (MobileNetV2 int8 2.54 against 2.69 ms); at two it lost badly
    /// (features.1: 149 µs against 78 µs for its depthwise and project steps, 2.0–2.3 against
    /// 1.4–1.7 ms for the network), for a reason not yet found.
    static func apply(_ steps: [any PlanStep], outputValue: Int, int8: Bool = true) -> [any PlanStep] {
        var readers: [Int: Int] = [:]
        for step in steps { for value in step.inputs { readers[value, default: 0] += 1 } }
        // An intermediate may disappear only if exactly one step reads it and it is not the plan's result.
        func isPrivate(_ value: Int) -> Bool { readers[value] == 1 && value != outputValue }

        var result: [any PlanStep] = []
        var index = 0
        while index < steps.count {
            if let (fused, consumed) = match(steps, at: index, isPrivate: isPrivate) {
                result.append(fused)
                index += consumed
            } else if int8, let (fused, consumed) = matchInt8(steps, at: index, isPrivate: isPrivate) {
                result.append(fused)
                index += consumed
            } else {
                result.append(steps[index])
                index += 1
            }
        }
        return result
    }

    private static func match(_ steps: [any PlanStep], at start: Int, isPrivate: (Int) -> Bool) -> (FusedBlockStep, Int)? {
        var index = start
        var expand: GEMMStep? = nil
        if let step = steps[index] as? GEMMStep, index + 1 < steps.count,
           let next = steps[index + 1] as? DepthwiseStep, next.inputs[0] == step.output, isPrivate(step.output),
           step.operation.rows == next.operation.geometry.batch * next.operation.geometry.inputHeight * next.operation.geometry.inputWidth {
            expand = step
            index += 1
        }
        guard index + 1 < steps.count, let depthwise = steps[index] as? DepthwiseStep,
              let project = steps[index + 1] as? GEMMStep, project.inputs[0] == depthwise.output, isPrivate(depthwise.output)
        else { return nil }
        let g = depthwise.operation.geometry
        guard g.outputHeight >= minimumOutputHeight, project.operation.k == g.outputChannels,
              project.operation.rows == g.batch * g.outputHeight * g.outputWidth else { return nil }
        if let expand, expand.operation.n != g.inputChannels { return nil }
        index += 2

        let blockInput = expand?.inputs[0] ?? depthwise.inputs[0]
        var output = project.output
        var residual = false
        var labels = [expand?.label, depthwise.label, project.label].compactMap { $0 }
        if index < steps.count, let add = steps[index] as? BinaryStep, case .add = add.operation.kernel, add.constant == nil,
           isPrivate(project.output), Set(add.inputs) == [project.output, blockInput], g.strideHeight == 1, g.strideWidth == 1,
           g.inputHeight == g.outputHeight, g.inputWidth == g.outputWidth,
           expand?.operation.k ?? g.inputChannels == project.operation.n {
            output = add.output
            residual = true
            labels.append(add.label)
            index += 1
        }
        let fused = FusedBlockStep(
            expand: expand?.operation, depthwise: depthwise.operation, project: project.operation, residual: residual, inputs: [blockInput], output: output, label: labels.joined(separator: " → "))
        return (fused, index - start)
    }

    /// The int8 block: the same pattern among int8 steps, the depthwise step's rows alone deciding.
    private static func matchInt8(_ steps: [any PlanStep], at start: Int, isPrivate: (Int) -> Bool) -> (QS8FusedBlockStep, Int)? {
        var index = start
        var expand: (any PlanStep, QS8GEMMOperator)? = nil
        if let gemm = int8GEMM(steps[index]), index + 1 < steps.count, let next = int8Depthwise(steps[index + 1]),
           steps[index + 1].inputs[0] == steps[index].output, isPrivate(steps[index].output),
           gemm.rows == next.geometry.batch * next.geometry.inputHeight * next.geometry.inputWidth {
            expand = (steps[index], gemm)
            index += 1
        }
        guard index + 1 < steps.count, let depthwise = int8Depthwise(steps[index]), let project = int8GEMM(steps[index + 1]),
              steps[index + 1].inputs[0] == steps[index].output, isPrivate(steps[index].output)
        else { return nil }
        let g = depthwise.geometry
        guard g.outputHeight >= minimumOutputHeight, project.k == g.outputChannels,
              project.rows == g.batch * g.outputHeight * g.outputWidth else { return nil }
        if let expand, expand.1.n != g.inputChannels { return nil }
        let blockInput = expand?.0.inputs[0] ?? steps[index].inputs[0]
        var output = steps[index + 1].output
        var labels = [expand?.0.label, steps[index].label, steps[index + 1].label].compactMap { $0 }
        index += 2

        var residual: QS8AddOperator? = nil
        var swapped = false
        if index < steps.count, let add = steps[index] as? QS8AddStep, isPrivate(output), Set(add.inputs) == [output, blockInput],
           add.inputs[0] != add.inputs[1], g.strideHeight == 1, g.strideWidth == 1,
           g.inputHeight == g.outputHeight, g.inputWidth == g.outputWidth, expand?.1.k ?? g.inputChannels == project.n {
            residual = add.operation
            swapped = add.inputs[0] == blockInput
            output = add.output
            labels.append(add.label)
            index += 1
        }
        let fused = QS8FusedBlockStep(expand: expand?.1, depthwise: depthwise, project: project, residual: residual,
                                      residualSwapped: swapped, inputs: [blockInput], output: output,
                                      label: labels.joined(separator: " → "))
        return (fused, index - start)
    }

    /// The int8 GEMM a step runs alone: a pointwise convolution or dense layer's.
    private static func int8GEMM(_ step: any PlanStep) -> QS8GEMMOperator? {
        if let step = step as? QS8OperatorStep<QS8GEMMOperator> { return step.operation }
        if let step = step as? QS8OperatorStep<QS8ConvolutionOperator>, case .gemm(let gemm) = step.operation.kernel { return gemm }
        return nil
    }

    private static func int8Depthwise(_ step: any PlanStep) -> QS8DepthwiseOperator? {
        guard let step = step as? QS8OperatorStep<QS8ConvolutionOperator>, case .depthwise(let op) = step.operation.kernel else { return nil }
        return op
    }
}

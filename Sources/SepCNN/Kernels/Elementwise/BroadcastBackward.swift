/// The gradients of `y = a op b` under broadcasting (`broadcastBinary`): for each operand, the
/// elementwise derivative times `gradOutput`, summed over every axis along which that operand was
/// stretched (PyTorch's `sum_to_size`).
///
///     add:       ∂a = dy          ∂b = dy
///     subtract:  ∂a = dy          ∂b = −dy
///     multiply:  ∂a = dy · b      ∂b = dy · a
///     divide:    ∂a = dy / b      ∂b = −dy · a / b²   (PyTorch's formula, not −dy · y / b)
///
/// Overwrites `gradA` (`g.aCount` floats) and `gradB` (`g.bCount` floats); either may be nil when that
/// gradient is not wanted (a constant operand). `a` and `b` are read only by multiply and divide, so
/// add and subtract may pass nil for them. Allocation-free; the output is walked row by row as in the
/// forward pass, the innermost axis as a loop with constant strides (1, or 0 where an operand stretches).
func broadcastBinaryBackward(_ operation: BinaryOperation, _ a: UnsafePointer<Float>?, _ b: UnsafePointer<Float>?,
                             gradOutput dy: UnsafePointer<Float>, gradA: UnsafeMutablePointer<Float>?,
                             gradB: UnsafeMutablePointer<Float>?, geometry g: BroadcastGeometry) {
    gradA?.initialize(repeating: 0, count: g.aCount)
    gradB?.initialize(repeating: 0, count: g.bCount)
    let rank = g.shape.count
    let inner = rank == 0 ? 1 : g.shape[rank - 1]
    let sa = rank == 0 ? 0 : g.aStrides[rank - 1], sb = rank == 0 ? 0 : g.bStrides[rank - 1]
    let rows = inner == 0 ? 0 : g.count / inner
    var offsetA = 0, offsetB = 0
    for row in 0..<rows {
        let dyRow = dy + row &* inner
        switch operation {
        case .add, .subtract:
            if let gradA { accumulateSumRow(into: gradA + offsetA, stretched: sa == 0, dyRow, inner, sign: 1) }
            if let gradB { accumulateSumRow(into: gradB + offsetB, stretched: sb == 0, dyRow, inner, sign: operation == .add ? 1 : -1) }
        case .multiply:
            let x = a! + offsetA, y = b! + offsetB
            if let gradA { accumulateRow(into: gradA + offsetA, stretched: sa == 0, dyRow, x, sa, y, sb, inner) { d, _, v in d * v } }
            if let gradB { accumulateRow(into: gradB + offsetB, stretched: sb == 0, dyRow, x, sa, y, sb, inner) { d, u, _ in d * u } }
        case .divide:
            let x = a! + offsetA, y = b! + offsetB
            if let gradA { accumulateRow(into: gradA + offsetA, stretched: sa == 0, dyRow, x, sa, y, sb, inner) { d, _, v in d / v } }
            if let gradB {
                accumulateRow(into: gradB + offsetB, stretched: sb == 0, dyRow, x, sa, y, sb, inner) { d, u, v in -d * u / (v * v) }
            }
        }
        (offsetA, offsetB) = g.operandOffsets(ofRow: row + 1)
    }
}

/// `target[i] += sign · dy[i]` along one row, or `target[0] += sign · Σ dy[i]` where the target stretches.
@inline(__always)
private func accumulateSumRow(into target: UnsafeMutablePointer<Float>, stretched: Bool, _ dy: UnsafePointer<Float>,
                              _ n: Int, sign: Float) {
    if stretched {
        var sum: Float = 0
        for i in 0..<n { sum += dy[i] }
        target[0] += sign * sum
    } else if sign == 1 {
        for i in 0..<n { target[i] += dy[i] }
    } else {
        for i in 0..<n { target[i] -= dy[i] }
    }
}

/// `target[i] += f(dy[i], a[i·sa], b[i·sb])` along one row (summed into `target[0]` where the target
/// stretches), with one loop per stride pattern so each reads its operands at constant strides.
@inline(__always)
private func accumulateRow(into target: UnsafeMutablePointer<Float>, stretched: Bool, _ dy: UnsafePointer<Float>,
                           _ a: UnsafePointer<Float>, _ sa: Int, _ b: UnsafePointer<Float>, _ sb: Int, _ n: Int,
                           _ f: (Float, Float, Float) -> Float) {
    @inline(__always) func run(_ term: (Int) -> Float) {
        if stretched {
            var sum: Float = 0
            for i in 0..<n { sum += term(i) }
            target[0] += sum
        } else {
            for i in 0..<n { target[i] += term(i) }
        }
    }
    switch (sa, sb) {
    case (1, 1): run { f(dy[$0], a[$0], b[$0]) }
    case (1, _): let v = b[0]; run { f(dy[$0], a[$0], v) }
    case (_, 1): let u = a[0]; run { f(dy[$0], u, b[$0]) }
    default: let u = a[0], v = b[0]; run { f(dy[$0], u, v) }
    }
}

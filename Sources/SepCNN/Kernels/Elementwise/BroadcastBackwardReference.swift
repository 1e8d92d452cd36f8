/// The plain specification of `broadcastBinaryBackward`: one output element at a time, its operand
/// offsets recomputed from its full index, each derivative added where that operand element lives.
/// Same contract (overwrites the wanted gradients; `a` and `b` read by multiply and divide only).
func broadcastBinaryBackwardReference(_ operation: BinaryOperation, _ a: UnsafePointer<Float>?, _ b: UnsafePointer<Float>?,
                                      gradOutput dy: UnsafePointer<Float>, gradA: UnsafeMutablePointer<Float>?,
                                      gradB: UnsafeMutablePointer<Float>?, geometry g: BroadcastGeometry) {
    gradA?.initialize(repeating: 0, count: g.aCount)
    gradB?.initialize(repeating: 0, count: g.bCount)
    for element in 0..<g.count {
        var remainder = element, offsetA = 0, offsetB = 0
        for axis in stride(from: g.shape.count - 1, through: 0, by: -1) {
            let index = remainder % g.shape[axis]
            remainder /= g.shape[axis]
            offsetA += index * g.aStrides[axis]
            offsetB += index * g.bStrides[axis]
        }
        let d = dy[element]
        switch operation {
        case .add:
            gradA?[offsetA] += d
            gradB?[offsetB] += d
        case .subtract:
            gradA?[offsetA] += d
            gradB?[offsetB] -= d
        case .multiply:
            gradA?[offsetA] += d * b![offsetB]
            gradB?[offsetB] += d * a![offsetA]
        case .divide:
            let x = a![offsetA], y = b![offsetB]
            gradA?[offsetA] += d / y
            gradB?[offsetB] += -d * x / (y * y)
        }
    }
}

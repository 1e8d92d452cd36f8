/// The four arithmetic operations of `Elementwise` layers (ONNX Add, Sub, Mul, Div).
public enum BinaryOperation: String, Sendable, CaseIterable, Codable {
    case add, subtract, multiply, divide
}

/// How two shapes broadcast against each other (NumPy rules: align on the right, a size-1 axis
/// stretches): the output shape and, per output axis, each operand's stride (0 where it stretches).
struct BroadcastGeometry: Equatable {
    let shape: [Int]
    let aStrides: [Int]
    let bStrides: [Int]

    /// nil if the shapes do not broadcast.
    init?(_ a: [Int], _ b: [Int]) {
        let rank = max(a.count, b.count)
        let a = [Int](repeating: 1, count: rank - a.count) + a
        let b = [Int](repeating: 1, count: rank - b.count) + b
        var shape: [Int] = []
        for (x, y) in zip(a, b) {
            guard x == y || x == 1 || y == 1 else { return nil }
            shape.append(x == 1 ? y : x)
        }
        func strides(_ dims: [Int]) -> [Int] {
            var result = [Int](repeating: 0, count: rank)
            var step = 1
            for axis in stride(from: rank - 1, through: 0, by: -1) {
                result[axis] = dims[axis] == 1 ? 0 : step
                step *= dims[axis]
            }
            return result
        }
        self.shape = shape
        aStrides = strides(a)
        bStrides = strides(b)
    }

    var count: Int { shape.reduce(1, *) }

    /// How many elements each operand holds: the output's extent along every axis it is not stretched over.
    var aCount: Int { zip(shape, aStrides).reduce(1) { $0 * ($1.1 == 0 ? 1 : $1.0) } }
    var bCount: Int { zip(shape, bStrides).reduce(1) { $0 * ($1.1 == 0 ? 1 : $1.0) } }

    /// Where output row `row` (an index over every axis but the innermost) starts in each operand:
    /// the odometer the row loops of the forward and backward kernels advance by.
    @inline(__always)
    func operandOffsets(ofRow row: Int) -> (a: Int, b: Int) {
        var remainder = row, offsetA = 0, offsetB = 0
        var axis = shape.count - 2
        while axis >= 0 {
            let index = remainder % shape[axis]
            remainder /= shape[axis]
            offsetA &+= index &* aStrides[axis]
            offsetB &+= index &* bStrides[axis]
            axis -= 1
        }
        return (offsetA, offsetB)
    }
}

/// `output = a op b` with broadcasting. The innermost axis runs as a tight loop (stride 1 or 0 for
/// each operand); the outer axes walk like an odometer. Allocation-free.
func broadcastBinary(_ operation: BinaryOperation, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                     output: UnsafeMutablePointer<Float>, geometry g: BroadcastGeometry) {
    let rank = g.shape.count
    guard rank > 0 else {
        output[0] = apply(operation, a[0], b[0])
        return
    }
    let inner = g.shape[rank - 1]
    let sa = g.aStrides[rank - 1], sb = g.bStrides[rank - 1]
    let rows = inner == 0 ? 0 : g.count / inner
    var offsetA = 0, offsetB = 0
    for row in 0..<rows {
        binaryRow(operation, a + offsetA, sa, b + offsetB, sb, output + row &* inner, inner)
        (offsetA, offsetB) = g.operandOffsets(ofRow: row + 1)
    }
}

@inline(__always)
private func apply(_ operation: BinaryOperation, _ x: Float, _ y: Float) -> Float {
    switch operation {
    case .add: return x + y
    case .subtract: return x - y
    case .multiply: return x * y
    case .divide: return x / y
    }
}

/// One row, with one loop per operation and stride pattern so each is a plain vectorizable loop.
@inline(__always)
private func binaryRow(_ operation: BinaryOperation, _ a: UnsafePointer<Float>, _ sa: Int, _ b: UnsafePointer<Float>, _ sb: Int,
                       _ y: UnsafeMutablePointer<Float>, _ n: Int) {
    switch (operation, sa, sb) {
    case (.add, 1, 1): for i in 0..<n { y[i] = a[i] + b[i] }
    case (.add, 1, 0): let v = b[0]; for i in 0..<n { y[i] = a[i] + v }
    case (.multiply, 1, 1): for i in 0..<n { y[i] = a[i] * b[i] }
    case (.multiply, 1, 0): let v = b[0]; for i in 0..<n { y[i] = a[i] * v }
    case (.multiply, 0, 1): let v = a[0]; for i in 0..<n { y[i] = v * b[i] }
    default: for i in 0..<n { y[i] = apply(operation, a[i &* sa], b[i &* sb]) }
    }
}

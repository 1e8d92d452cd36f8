/// `a op b` with NumPy broadcasting. Two cases that dominate networks get a kernel of their own:
/// the residual addition of equal shapes, and squeeze-and-excitation's per-image, per-channel gate
/// (`[N, H, W, C] · [N, 1, 1, C]`); everything else walks the broadcast geometry.
struct BinaryOperator {
    enum Kernel: Equatable {
        case add(count: Int)
        /// Which operand is the gate.
        case multiplyChannels(batch: Int, pixels: Int, channels: Int, gateFirst: Bool)
        case broadcast(BroadcastGeometry)
    }
    let operation: BinaryOperation
    let kernel: Kernel
    let outputShape: [Int]

    init(_ operation: BinaryOperation, _ a: [Int], _ b: [Int]) throws {
        guard let geometry = BroadcastGeometry(a, b) else {
            throw SepCNNError.shapeMismatch("\(operation): shapes \(describe(a)) and \(describe(b)) do not broadcast")
        }
        self.operation = operation
        outputShape = geometry.shape
        let s = geometry.shape
        if operation == .add && a == b {
            kernel = .add(count: geometry.count)
        } else if operation == .multiply, s.count == 4, a.count == 4, b.count == 4, a == s || b == s,
                  (a == s ? b : a) == [s[0], 1, 1, s[3]] {
            kernel = .multiplyChannels(batch: s[0], pixels: s[1] * s[2], channels: s[3], gateFirst: a != s)
        } else {
            kernel = .broadcast(geometry)
        }
    }

    func run(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        switch kernel {
        case .add(let count):
            forEachPart(of: count, cost: streamingCostPerElement, pool: pool) { range in
                add(a + range.lowerBound, b + range.lowerBound, output: output + range.lowerBound, count: range.count)
            }
        case .multiplyChannels(let batch, let pixels, let channels, let gateFirst):
            let (x, gate) = gateFirst ? (b, a) : (a, b)
            forEachPart(of: batch &* pixels, cost: streamingCostPerElement &* channels, pool: pool, granule: 1) { range in
                multiplyChannels(x, gate: gate, output: output, batch: batch, pixels: pixels, channels: channels, pixelRange: range)
            }
        case .broadcast(let geometry):
            broadcastBinary(operation, a, b, output: output, geometry: geometry)
        }
    }

    /// The layer path: both operands as tensors, into a new one.
    func callAsFunction(_ a: Tensor, _ b: Tensor, pool: ThreadPool = .shared) -> Tensor {
        Tensor.computing(outputShape) { y in
            a.withPointer { x in b.withPointer { z in run(x, z, output: y, pool: pool) } }
        }
    }
}

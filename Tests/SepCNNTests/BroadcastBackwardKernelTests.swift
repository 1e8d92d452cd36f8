import Testing
@testable import SepCNN

/// `broadcastBinaryBackward` against its plain reference, for every operation, on random pairs of
/// shapes that broadcast (each axis of each operand kept or set to 1, ranks differing), with the
/// tolerance of `BackwardKernelTests`: both sum the same products, in a different order.
@Suite struct BroadcastBackwardKernelTests {
    struct Shapes: CustomStringConvertible, Sendable {
        let a: [Int], b: [Int]
        var description: String { "\(describe(a)) with \(describe(b))" }
    }

    static let shapes: [Shapes] = {
        var r = RandomGenerator(seed: 31)
        var result = [Shapes(a: [], b: []), Shapes(a: [5], b: []), Shapes(a: [2, 7, 9, 33], b: [2, 1, 1, 33]),
                      Shapes(a: [1, 1, 1, 1], b: [3, 4, 5, 6]), Shapes(a: [4, 1, 6], b: [1, 5, 1])]
        for _ in 0..<30 {
            let rank = 1 + Int(r.next() % 4)
            let full = (0..<rank).map { _ in 1 + Int(r.next() % 6) }
            func operand() -> [Int] {
                let dropped = Int(r.next() % UInt64(rank))
                return full.dropFirst(r.next() % 3 == 0 ? dropped : 0).map { r.next() % 3 == 0 ? 1 : $0 }
            }
            result.append(Shapes(a: operand(), b: operand()))
        }
        return result
    }()

    @Test(arguments: shapes)
    func backwardMatchesReference(_ s: Shapes) throws {
        let g = try #require(BroadcastGeometry(s.a, s.b))
        var r = RandomGenerator(seed: UInt64(g.count &* 13 &+ g.aCount))
        let a = BackwardKernelTests.random(g.aCount, &r), dy = BackwardKernelTests.random(g.count, &r)
        let b = BackwardKernelTests.random(g.bCount, &r).map { $0 < 0 ? $0 - 0.5 : $0 + 0.5 }
        for operation in BinaryOperation.allCases {
            var fast = ([Float](repeating: .nan, count: g.aCount), [Float](repeating: .nan, count: g.bCount))
            var reference = fast
            broadcastBinaryBackward(operation, a, b, gradOutput: dy, gradA: &fast.0, gradB: &fast.1, geometry: g)
            broadcastBinaryBackwardReference(operation, a, b, gradOutput: dy, gradA: &reference.0, gradB: &reference.1, geometry: g)
            #expect(BackwardKernelTests.agree(fast.0, reference.0), "\(operation): ∂a")
            #expect(BackwardKernelTests.agree(fast.1, reference.1), "\(operation): ∂b")
        }
    }

    @Test func onlyTheWantedGradientIsWritten() {
        let g = BroadcastGeometry([2, 3], [3])!
        var gradA = [Float](repeating: 0, count: 6)
        broadcastBinaryBackward(.add, nil, nil, gradOutput: [1, 2, 3, 4, 5, 6], gradA: &gradA, gradB: nil, geometry: g)
        #expect(gradA == [1, 2, 3, 4, 5, 6])
        var gradB = [Float](repeating: .nan, count: 3)
        broadcastBinaryBackward(.subtract, nil, nil, gradOutput: [1, 2, 3, 4, 5, 6], gradA: nil, gradB: &gradB, geometry: g)
        #expect(gradB == [-5, -7, -9])
    }
}

/// Concatenation along one axis: for each of `outer` blocks (the axes before it), each input's run
/// of values in turn.
struct ConcatenationOperator {
    let outer: Int
    /// Values per block of each input.
    let runs: [Int]
    let outputShape: [Int]

    init(axis: Int, inputShapes: [[Int]]) throws {
        guard let first = inputShapes.first, axis >= 0, axis < first.count else {
            throw SepCNNError.shapeMismatch("concatenation: axis \(axis) is outside input \(describe(inputShapes.first ?? []))")
        }
        var shape = first
        for other in inputShapes.dropFirst() {
            var aligned = other
            if aligned.count == first.count { aligned[axis] = first[axis] }
            guard aligned == first else {
                throw SepCNNError.shapeMismatch("concatenation: inputs \(describe(first)) and \(describe(other)) differ outside axis \(axis)")
            }
            shape[axis] += other[axis]
        }
        outer = first[..<axis].reduce(1, *)
        runs = inputShapes.map { $0[axis...].reduce(1, *) }
        outputShape = shape
    }

    /// Copies input `index` (`x`) into its place in `output`; calling it for every input writes the whole output.
    func copy(input index: Int, _ x: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>) {
        let total = runs.reduce(0, +), run = runs[index]
        let start = runs[..<index].reduce(0, +)
        for block in 0..<outer { (output + (block &* total &+ start)).update(from: x + block &* run, count: run) }
    }
}

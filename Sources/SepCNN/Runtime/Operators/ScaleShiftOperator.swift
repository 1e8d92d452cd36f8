/// `out[r, c] = act(x[r, c] · scale[c] + shift[c])`: batch normalisation in inference form (or
/// with batch statistics, in training) wherever it cannot be folded into a convolution.
struct ScaleShiftOperator: UnaryOperator {
    let rows: Int
    let scale: AlignedFloats
    let shift: AlignedFloats
    let activation: Activation

    init(rows: Int, scale: [Float], shift: [Float], activation: Activation) throws {
        guard rows >= 0, !scale.isEmpty else {
            throw SepCNNError.shapeMismatch("scale and shift: \(rows) rows of \(scale.count) channels")
        }
        try requireCount(shift, scale.count, "the shift", "scale and shift")
        self.rows = rows
        self.scale = AlignedFloats(scale)
        self.shift = AlignedFloats(shift)
        self.activation = activation
    }

    func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
             scratch: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        let channels = scale.count
        forEachPart(of: rows, cost: streamingCostPerElement &* channels, pool: pool, granule: 1) { part in
            let offset = part.lowerBound &* channels
            scaleShiftReference(input + offset, rows: part.count, channels: channels, scale: scale.pointer, shift: shift.pointer,
                                activation: activation, output: output + offset)
        }
    }
}

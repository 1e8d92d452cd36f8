/// `min(max(scale · x + offset, minimum), maximum)` elementwise, for the clamps no `Activation` covers.
struct ClampOperator: UnaryOperator {
    let count: Int
    let minimum: Float, maximum: Float, scale: Float, offset: Float

    func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
             scratch: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        clamp(input, output: output, count: count, minimum: minimum, maximum: maximum, scale: scale, offset: offset)
    }
}

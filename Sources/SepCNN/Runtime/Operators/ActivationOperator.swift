/// An activation on its own, where no kernel before it could apply it in its store.
struct ActivationOperator: UnaryOperator {
    let activation: Activation
    let count: Int

    func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
             scratch: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        // The exponential of sigmoid and SiLU costs about as much again as streaming the values.
        let cost = activation == .sigmoid || activation == .silu ? 2 &* streamingCostPerElement : streamingCostPerElement
        forEachPart(of: count, cost: cost, pool: pool) { range in
            applyActivation(activation, input + range.lowerBound, output + range.lowerBound, count: range.count)
        }
    }
}

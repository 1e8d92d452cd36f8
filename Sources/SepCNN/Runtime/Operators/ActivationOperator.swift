/// An activation on its own, where no kernel before it could apply it in its store.
struct ActivationOperator: UnaryOperator {
    let activation: Activation
    let count: Int

    func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
             scratch: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        forEachPart(of: count, cost: activation.passCostPerElement, pool: pool) { range in
            applyActivation(activation, input + range.lowerBound, output + range.lowerBound, count: range.count)
        }
    }
}

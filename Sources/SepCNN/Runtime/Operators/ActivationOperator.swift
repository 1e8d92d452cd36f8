/// An activation on its own, where no kernel before it could apply it in its store.
struct ActivationOperator: UnaryOperator {
    let activation: Activation
    let count: Int

    func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
             scratch: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        applyActivation(activation, input, output, count: count)
    }
}

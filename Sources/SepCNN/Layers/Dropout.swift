/// Zeroes each element with probability `rate` in training mode and scales the rest by
/// 1 / (1 − rate) (inverted dropout, as PyTorch and Keras); the identity in inference mode.
public final class Dropout: Layer {
    public let rate: Float
    private var generator: RandomGenerator

    /// The mask generator is seeded from the library-wide generator (`Random.seed`).
    public init(rate: Float) throws {
        guard rate >= 0, rate < 1 else { throw SepCNNError.invalidArgument("Dropout: rate must lie in [0, 1), got \(rate)") }
        self.rate = rate
        generator = RandomGenerator(seed: Random.withGenerator { $0.next() })
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        guard training, rate > 0 else { return input }
        var output = input
        let keep = 1 / (1 - rate)
        output.withMutablePointer { y in
            for i in 0..<input.count {
                y[i] = generator.nextUnitFloat() < rate ? 0 : y[i] * keep
            }
        }
        return output
    }
}

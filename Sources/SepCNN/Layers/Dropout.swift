/// Zeroes each element with probability `rate` in training mode and scales the rest by
/// 1 / (1 − rate) (inverted dropout, as PyTorch and Keras); the identity in inference mode.
///
/// Each training-mode pass draws its mask from a generator seeded by one number from the generator
/// in use (`Random`): the layer keeps no random state of its own, so a `Trainer`, which runs every
/// step under `Random.withSeed` of the run's seed and the step, draws the same masks when a run is
/// resumed from a checkpoint as when it never stopped.
public final class Dropout: Layer {
    public let rate: Float

    /// - Parameter rate: the probability of zeroing each element in training mode, in [0, 1)
    ///   (PyTorch `p`, Keras `rate`). 0 is the identity.
    /// - Throws: ``SepCNNError`` if `rate` lies outside [0, 1).
    public init(rate: Float) throws {
        guard rate >= 0, rate < 1 else { throw SepCNNError.invalidArgument("Dropout: rate must lie in [0, 1), got \(rate)") }
        self.rate = rate
        // The layer once seeded a generator of its own here. The draw stays, so a model built
        // under a given seed still gets the weights it always had (committed fixtures depend on it).
        _ = Random.withGenerator { $0.next() }
    }

    /// The generator of one pass's mask.
    private func maskGenerator() -> RandomGenerator {
        RandomGenerator(seed: Random.withGenerator { $0.next() })
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        guard training, rate > 0 else { return input }
        var output = input
        let keep = 1 / (1 - rate)
        var generator = maskGenerator()
        output.withMutablePointer { y in
            for i in 0..<input.count {
                y[i] = generator.nextUnitFloat() < rate ? 0 : y[i] * keep
            }
        }
        return output
    }

    /// In training mode the mask drawn for the output is captured: the pullback multiplies by it,
    /// so gradients reach exactly the kept elements, scaled by 1 / (1 − rate).
    public func forwardWithPullback(_ input: Tensor, training: Bool) throws -> (output: Tensor, pullback: Pullback) {
        guard training, rate > 0 else {
            return (input, { [self] gradOutput in
                try requireGradientShape(gradOutput, input.shape, typeName)
                return gradOutput
            })
        }
        var mask = Tensor(uncheckedShape: input.shape)
        let keep = 1 / (1 - rate)
        var generator = maskGenerator()
        mask.withMutablePointer { m in
            for i in 0..<input.count { m[i] = generator.nextUnitFloat() < rate ? 0 : keep }
        }
        var output = input
        output.withMutablePointer { y in mask.withPointer { m in for i in 0..<input.count { y[i] *= m[i] } } }
        return (output, { [self] gradOutput in
            try requireGradientShape(gradOutput, input.shape, typeName)
            var gradInput = gradOutput
            gradInput.withMutablePointer { dx in mask.withPointer { m in for i in 0..<input.count { dx[i] *= m[i] } } }
            return gradInput
        })
    }
}

extension Dropout: LowerableLayer {
    /// The identity in inference: no step at all.
    func lower(into builder: inout PlanBuilder, input: Int, label: String) throws -> Int { input }
}

extension Dropout: DescribableLayer {
    public struct Configuration: Codable, Equatable, Sendable {
        public var rate: Float
    }

    public var configuration: Configuration { Configuration(rate: rate) }

    public convenience init(configuration c: Configuration, children: [(name: String, layer: any Layer)]) throws {
        try self.init(rate: c.rate)
    }
}

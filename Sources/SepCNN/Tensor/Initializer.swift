import Foundation

/// How a parameter's first values are drawn: the schemes PyTorch and Keras use by default.
///
/// `fanIn`/`fanOut` follow PyTorch: for a convolution they are (input channels / groups) · kh · kw
/// and output channels · kh · kw; for a dense layer, its input and output features.
public enum Initializer: Sendable, Equatable {
    case zeros
    case ones
    case constant(Float)
    case uniform(low: Float, high: Float)
    case normal(mean: Float, standardDeviation: Float)
    /// PyTorch's `kaiming_uniform_(a:)` in fan-in mode; `a = √5` is what `nn.Conv2d` and `nn.Linear` use.
    case kaimingUniform(a: Float)
    /// PyTorch's `kaiming_normal_` in fan-in mode for ReLU (`std = √(2 / fanIn)`).
    case kaimingNormal
    /// Keras's default `glorot_uniform` (PyTorch `xavier_uniform_`): U(±√(6 / (fanIn + fanOut))).
    case glorotUniform
    /// PyTorch's `xavier_normal_`: N(0, √(2 / (fanIn + fanOut))), not truncated.
    case glorotNormal

    /// PyTorch's default for convolution and dense weights.
    public static let pytorchWeight = Initializer.kaimingUniform(a: Float(5).squareRoot())

    /// PyTorch's default for convolution and dense biases: U(±1/√fanIn).
    public static func pytorchBias(fanIn: Int) -> Initializer {
        let bound = fanIn > 0 ? 1 / Float(fanIn).squareRoot() : 0
        return .uniform(low: -bound, high: bound)
    }

    /// A tensor of `shape` drawn from this scheme with the given generator.
    public func tensor(shape: [Int], fanIn: Int, fanOut: Int, using generator: inout RandomGenerator) throws -> Tensor {
        try Tensor.validate(shape)
        let count = shape.reduce(1, *)
        var values = [Float](repeating: 0, count: count)
        switch self {
        case .zeros:
            break
        case .ones:
            values = [Float](repeating: 1, count: count)
        case .constant(let value):
            values = [Float](repeating: value, count: count)
        case .uniform(let low, let high):
            for i in 0..<count { values[i] = generator.uniform(low, high) }
        case .normal(let mean, let std):
            for i in 0..<count { values[i] = generator.normal(mean: mean, standardDeviation: std) }
        case .kaimingUniform(let a):
            let gain = (2 / (1 + a * a)).squareRoot()
            let bound = (3 as Float).squareRoot() * gain / Float(max(fanIn, 1)).squareRoot()
            for i in 0..<count { values[i] = generator.uniform(-bound, bound) }
        case .kaimingNormal:
            let std = (2 / Float(max(fanIn, 1))).squareRoot()
            for i in 0..<count { values[i] = generator.normal(standardDeviation: std) }
        case .glorotUniform:
            let limit = (6 / Float(max(fanIn + fanOut, 1))).squareRoot()
            for i in 0..<count { values[i] = generator.uniform(-limit, limit) }
        case .glorotNormal:
            let std = (2 / Float(max(fanIn + fanOut, 1))).squareRoot()
            for i in 0..<count { values[i] = generator.normal(standardDeviation: std) }
        }
        return try Tensor(shape: shape, scalars: values)
    }

    /// The same, drawing from the library-wide generator (see `Random.seed`).
    public func tensor(shape: [Int], fanIn: Int, fanOut: Int) throws -> Tensor {
        try Random.withGenerator { try tensor(shape: shape, fanIn: fanIn, fanOut: fanOut, using: &$0) }
    }
}

extension Tensor {
    /// Uniformly distributed elements in [low, high).
    public static func uniform(_ shape: [Int], low: Float = 0, high: Float = 1,
                               using generator: inout RandomGenerator) throws -> Tensor {
        try Initializer.uniform(low: low, high: high).tensor(shape: shape, fanIn: 0, fanOut: 0, using: &generator)
    }

    /// Normally distributed elements.
    public static func normal(_ shape: [Int], mean: Float = 0, standardDeviation: Float = 1,
                              using generator: inout RandomGenerator) throws -> Tensor {
        try Initializer.normal(mean: mean, standardDeviation: standardDeviation)
            .tensor(shape: shape, fanIn: 0, fanOut: 0, using: &generator)
    }
}

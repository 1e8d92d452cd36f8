import Foundation

/// A small, fast, seedable generator (xoshiro256**, seeded through SplitMix64).
///
/// The same seed gives the same numbers on every platform, so initialisation, shuffling and
/// dropout are reproducible. It is not PyTorch's Mersenne Twister: parity tests copy weights
/// rather than expecting identical random streams.
public struct RandomGenerator: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)
    private var spareNormal: Float?

    public init(seed: UInt64) {
        var s = seed
        func splitMix() -> UInt64 {
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    public mutating func next() -> UInt64 {
        let result = rotateLeft(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotateLeft(state.3, 45)
        return result
    }

    /// Uniform in [0, 1), with 24 random bits (every float32 step in that range).
    public mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * 0x1p-24
    }

    /// Uniform in [low, high).
    public mutating func uniform(_ low: Float, _ high: Float) -> Float {
        low + (high - low) * nextUnitFloat()
    }

    /// Normally distributed (Box–Muller; the second value of each pair is kept for the next call).
    public mutating func normal(mean: Float = 0, standardDeviation: Float = 1) -> Float {
        if let spare = spareNormal {
            spareNormal = nil
            return mean + standardDeviation * spare
        }
        // 1 - u keeps the logarithm's argument in (0, 1].
        let u1 = 1 - nextUnitFloat(), u2 = nextUnitFloat()
        let radius = (-2 * log(Double(u1))).squareRoot()
        let angle = 2 * Double.pi * Double(u2)
        spareNormal = Float(radius * sin(angle))
        return mean + standardDeviation * Float(radius * cos(angle))
    }

    private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}

/// The generator behind default initialisation and dropout, like PyTorch's global generator.
///
/// `Random.seed(_:)` reseeds it for everything that follows (`torch.manual_seed`).
/// `Random.withSeed(_:_:)` gives the code inside it a generator of its own, so what it builds is
/// reproducible even while other threads or tasks draw random numbers at the same time.
public enum Random {
    final class Source: Sendable {
        let generator: Locked<RandomGenerator>
        init(seed: UInt64) { generator = Locked(RandomGenerator(seed: seed)) }
    }

    private static let global = Source(seed: 0)
    @TaskLocal private static var current = global

    /// Reseeds the generator in use: the global one, or the innermost `withSeed`'s.
    public static func seed(_ seed: UInt64) {
        current.generator.withLock { $0 = RandomGenerator(seed: seed) }
    }

    /// Runs `body` with a private generator seeded with `seed`.
    public static func withSeed<R>(_ seed: UInt64, _ body: () throws -> R) rethrows -> R {
        try $current.withValue(Source(seed: seed)) { try body() }
    }

    /// Runs `body` with exclusive use of the generator in use.
    public static func withGenerator<R>(_ body: (inout RandomGenerator) throws -> R) rethrows -> R {
        try current.generator.withLock { try body(&$0) }
    }
}

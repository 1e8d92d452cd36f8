/// How a measurement is repeated: `warmup` untimed runs, then the median of `repetitions` timed ones.
public struct TimingOptions: Sendable, Equatable {
    public var warmup: Int
    public var repetitions: Int

    public init(warmup: Int = 2, repetitions: Int = 10) {
        self.warmup = warmup
        self.repetitions = repetitions
    }
}

/// Median wall-clock time of `body` in microseconds.
func medianMicroseconds(_ options: TimingOptions, _ body: () throws -> Void) rethrows -> Double {
    for _ in 0..<options.warmup { try body() }
    let clock = ContinuousClock()
    var samples: [Double] = []
    for _ in 0..<max(options.repetitions, 1) {
        samples.append(microsecondsOf(try clock.measure(body)))
    }
    samples.sort()
    let middle = samples.count / 2
    return samples.count % 2 == 1 ? samples[middle] : (samples[middle - 1] + samples[middle]) / 2
}

func microsecondsOf(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1e6 + Double(duration.components.attoseconds) * 1e-12
}

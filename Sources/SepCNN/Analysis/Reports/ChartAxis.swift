import Foundation

/// A linear axis: a domain rounded out to "nice" tick values (1, 2 or 5 × 10ᵏ apart), mapped onto
/// a span of the drawing. Any input gives a usable axis: no values, one value, equal values,
/// NaN and infinities (ignored) and values near `Double`'s limits.
struct ChartAxis {
    private(set) var lower: Double
    private(set) var upper: Double
    private(set) var ticks: [Double]
    private(set) var step: Double

    /// An axis covering the finite `values` (and `including`, e.g. 0 for bars), with about `tickCount` ticks.
    /// `integerSteps` keeps ticks on whole numbers (epochs, counts).
    init(covering values: [Double], including: [Double] = [], tickCount: Int = 6, integerSteps: Bool = false) {
        let finite = (values + including).filter { $0.isFinite && abs($0) < 1e300 }
        var low = finite.min() ?? 0, high = finite.max() ?? 1
        if finite.isEmpty { (low, high) = (0, 1) }
        if high - low <= abs(high) * 1e-12 {
            // One value, or equal ones: a span around it that is visible and still nice.
            let pad = high == 0 ? 1 : abs(high) * 0.1
            (low, high) = (low - pad, high + pad)
        }
        let rough = (high - low) / Double(max(tickCount - 1, 1))
        var step = Self.niceStep(rough)
        if integerSteps { step = max(1, step.rounded(.up)) }
        lower = (low / step).rounded(.down) * step
        upper = (high / step).rounded(.up) * step
        if upper <= lower { upper = lower + step }
        self.step = step
        let count = min(Int(((upper - lower) / step).rounded()) + 1, 60)
        // Ticks computed from the index, not by adding steps, so 0.1 + 0.2 does not print as 0.30000000000000004.
        let start = lower
        ticks = (0..<max(count, 2)).map { index in
            let value = start + Double(index) * step
            return abs(value) < step * 1e-9 ? 0 : value
        }
    }

    /// 1, 2 or 5 × 10ᵏ, the first not below `rough`.
    static func niceStep(_ rough: Double) -> Double {
        guard rough.isFinite, rough > 0 else { return 1 }
        let magnitude = pow(10, (log10(rough)).rounded(.down))
        for factor in [1.0, 2, 2.5, 5, 10] where factor * magnitude >= rough * (1 - 1e-9) { return factor * magnitude }
        return 10 * magnitude
    }

    /// `value`'s position between `start` (the lower end) and `end` (the upper end) of the drawing.
    func position(_ value: Double, from start: Double, to end: Double) -> Double {
        let fraction = (value - lower) / (upper - lower)
        return start + (fraction.isFinite ? fraction : 0) * (end - start)
    }

    /// Tick labels: as many decimals as the step needs, or `format` when given.
    func label(_ value: Double, format: ChartNumberFormat? = nil) -> String {
        if let format { return format.string(value) }
        let largest = max(abs(lower), abs(upper))
        if largest >= 10_000 { return ChartNumberFormat.compact.string(value) }
        return ChartNumberFormat.fixed(decimals).string(value)
    }

    /// The decimals that write every tick exactly: 0 for a step of 5, 1 for 2.5 or 0.5, 2 for 0.25.
    var decimals: Int {
        (0...8).first { d in
            let scaled = step * pow(10, Double(d))
            return abs(scaled - scaled.rounded()) <= 1e-6 * scaled
        } ?? 8
    }
}

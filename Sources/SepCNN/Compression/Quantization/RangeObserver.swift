/// How calibration turns the values seen at a quantization point into a range.
public enum CalibrationMethod: String, Sendable, CaseIterable, Codable {
    /// The smallest and largest value seen (TFLite's default).
    case minmax
    /// The 0.01st and 99.99th percentiles: a few outliers no longer stretch the step for everyone.
    case percentile
    /// The clipping range that minimises the mean squared quantization error over the values seen.
    case mse
}

/// Records the values flowing past one quantization point during calibration. A histogram of
/// `binCount` bins over the range seen so far keeps memory bounded whatever the data; when a
/// batch widens the range, the bins are merged into a wider histogram (ONNX Runtime's
/// calibrators work the same way).
final class RangeObserver {
    private(set) var minimum = Float.infinity
    private(set) var maximum = -Float.infinity
    private var counts: [Double]
    private var low: Float = 0, high: Float = 0
    private let binCount: Int
    private(set) var nonFiniteCount = 0

    init(binCount: Int = 2048) {
        self.binCount = binCount
        counts = [Double](repeating: 0, count: binCount)
    }

    func observe(_ values: UnsafeBufferPointer<Float>) {
        var batchMin = Float.infinity, batchMax = -Float.infinity
        for v in values where v.isFinite {
            batchMin = min(batchMin, v)
            batchMax = max(batchMax, v)
        }
        nonFiniteCount += values.count - values.reduce(0) { $0 + ($1.isFinite ? 1 : 0) }
        guard batchMin <= batchMax else { return }
        minimum = min(minimum, batchMin)
        maximum = max(maximum, batchMax)
        widen(toInclude: min(minimum, 0), max(maximum, 0))
        let width = (high - low) / Float(binCount)
        for v in values where v.isFinite { counts[bin(of: v, width: width)] += 1 }
    }

    private func bin(of v: Float, width: Float) -> Int {
        width > 0 ? min(max(Int((v - low) / width), 0), binCount - 1) : 0
    }

    /// Grows [low, high] to cover the new range, doubling its width as often as needed so old
    /// bins merge in pairs exactly.
    private func widen(toInclude newLow: Float, _ newHigh: Float) {
        if low == high {
            (low, high) = (newLow, newHigh > newLow ? newHigh : newLow + 1e-6)
            return
        }
        while newLow < low || newHigh > high {
            let width = high - low
            var merged = [Double](repeating: 0, count: binCount)
            // Extend on the side that needs it; the old bins land in one half of the new ones.
            let extendLow = newLow < low && (low - newLow >= newHigh - high)
            let offset = extendLow ? binCount / 2 : 0
            for (i, c) in counts.enumerated() { merged[offset + i / 2] += c }
            counts = merged
            if extendLow { low -= width } else { high += width }
        }
    }

    /// The parameters for everything seen, by `method`; an observer that saw nothing gives the
    /// range [0, 0] (scale 1/255).
    func quantization(_ method: CalibrationMethod) -> QuantizationParameters {
        guard minimum <= maximum else { return QuantizationParameters(range: 0, 0) }
        switch method {
        case .minmax: return QuantizationParameters(range: minimum, maximum)
        case .percentile:
            return QuantizationParameters(range: max(value(atFraction: 0.0001), minimum), min(value(atFraction: 0.9999), maximum))
        case .mse: return mseOptimalRange()
        }
    }

    /// The value below which `fraction` of the observations lie (linear within a bin).
    private func value(atFraction fraction: Double) -> Float {
        let total = counts.reduce(0, +)
        let width = (high - low) / Float(binCount)
        var seen = 0.0
        for (i, c) in counts.enumerated() {
            if seen + c >= fraction * total, c > 0 {
                return low + width * (Float(i) + Float((fraction * total - seen) / c))
            }
            seen += c
        }
        return high
    }

    /// Tries clipping ranges shrinking from [minimum, maximum] towards the data's centre and keeps
    /// the one whose expected squared error — rounding within the range, clipping outside it — is least.
    private func mseOptimalRange() -> QuantizationParameters {
        let width = (high - low) / Float(binCount)
        var best = QuantizationParameters(range: minimum, maximum), bestError = Double.infinity
        for step in 0..<100 {
            let shrink = 1 - Float(step) / 100 * 0.9
            let candidate = QuantizationParameters(range: minimum * shrink, maximum * shrink)
            let r = candidate.representableRange
            let rounding = Double(candidate.scale * candidate.scale) / 12
            var error = 0.0
            for (i, c) in counts.enumerated() where c > 0 {
                let centre = low + width * (Float(i) + 0.5)
                let clipped = min(max(centre, r.lowerBound), r.upperBound)
                error += c * (clipped == centre ? rounding : Double((centre - clipped) * (centre - clipped)))
            }
            if error < bestError { (best, bestError) = (candidate, error) }
        }
        return best
    }
}

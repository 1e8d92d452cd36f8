import Foundation

extension LayerComparison {
    public func table() -> String {
        let k = kernelSize
        var text = "Standard vs depthwise-separable \(k)×\(k) convolution: \(height)×\(width)×\(inputChannels) → "
            + "\(outputShape[1])×\(outputShape[2])×\(outputChannels), stride \(stride), same padding, no bias\n"
        text += comparisonTable(standard: standard, separable: separable, parameterRatio: parameterRatio, macRatio: macRatio,
                                formulas: ("K²·C·M = \(k * k)·\(inputChannels)·\(outputChannels)",
                                           "K²·C + C·M = \(k * k)·\(inputChannels) + \(inputChannels)·\(outputChannels)"))
        text += String(format: "Closed form 1/M + 1/K² = 1/%d + 1/%d = %.4f\n", outputChannels, k * k, closedForm)
        return text
    }
}

extension ModelComparison {
    public func table() -> String {
        "\(separableModel) against its standard-convolution twin \(standardModel), input \(describe(inputShape))\n"
            + comparisonTable(standard: standard, separable: separable, parameterRatio: parameterRatio, macRatio: macRatio,
                              formulas: nil)
    }
}

private func comparisonTable(standard: Cost, separable: Cost, parameterRatio: Double, macRatio: Double,
                             formulas: (standard: String, separable: String)?) -> String {
    var rows = [["Parameters", grouped(standard.parameters), grouped(separable.parameters), String(format: "%.4f", parameterRatio)]]
    if let formulas { rows.append(["", formulas.standard, formulas.separable, ""]) }
    rows.append(["MACs", grouped(standard.macs), grouped(separable.macs), String(format: "%.4f", macRatio)])
    if let s = standard.medianMicroseconds, let p = separable.medianMicroseconds {
        rows.append(["Median time", microseconds(s), microseconds(p), String(format: "%.4f", p / s) + " (\(speedWording(oldTime: s, newTime: p)))"])
    }
    return formatTable(header: ["", "standard", "separable", "separable / standard"], rows: rows, rightAligned: [1, 2])
}

/// How a time compares with another, always as a factor above 1: `3.3× faster` for a third of the
/// old time, `3.3× slower` (never `0.3× faster`) for 3.3 times it; `—` without two positive times.
public func speedWording(oldTime: Double, newTime: Double) -> String {
    guard oldTime > 0, newTime > 0, oldTime.isFinite, newTime.isFinite else { return "—" }
    return newTime <= oldTime ? String(format: "%.1f× faster", oldTime / newTime) : String(format: "%.1f× slower", newTime / oldTime)
}

/// 1234.5 → "1.23 ms"
func microseconds(_ value: Double) -> String {
    value >= 1000 ? String(format: "%.2f ms", value / 1000) : String(format: "%.1f µs", value)
}

/// How far each quantization point's int8 values are from the float model's values at the same
/// point, in units of that point's quantization step (its scale). Rounding alone gives a mean of
/// about 0.25 steps and a maximum of 0.5; more means error carried from earlier layers or values
/// clipped outside the calibrated range.
public struct QuantizationReport: Sendable {
    public struct Point: Sendable {
        /// The FakeQuantize's path, e.g. `features.3.project_quant`.
        public var name: String
        public var quantization: QuantizationParameters
        public var meanErrorSteps: Double
        public var maxErrorSteps: Double
        /// The fraction of float values outside the representable range (clipped).
        public var clippedFraction: Double
    }

    public var points: [Point]

    /// Runs `model` with every point rounding (int8) and with every point passing values
    /// through (float: the same folded weights) on `batches`, and compares them point by point.
    static func measure(_ model: Model, points: [(name: String, layer: FakeQuantize)], on batches: [Tensor]) throws -> QuantizationReport {
        var sums = [(error: Double, max: Double, clipped: Double, count: Double)](repeating: (0, 0, 0, 0), count: points.count)
        for batch in batches where batch.count > 0 {
            var floatValues = [Tensor?](repeating: nil, count: points.count)
            var int8Values = floatValues
            for (index, point) in points.enumerated() {
                point.layer.observer = RangeObserver(binCount: 1)
                point.layer.recorder = { floatValues[index] = $0 }
            }
            defer { for point in points { point.layer.observer = nil; point.layer.recorder = nil } }
            _ = try model(batch)
            for (index, point) in points.enumerated() {
                point.layer.observer = nil
                point.layer.recorder = { int8Values[index] = $0 }
            }
            _ = try model(batch)
            for index in points.indices {
                guard let float = floatValues[index], let int8 = int8Values[index] else { continue }
                let q = points[index].layer.quantization
                let range = q.representableRange
                float.withPointer { f in
                    int8.withPointer { g in
                        for i in 0..<float.count {
                            let steps = Double(abs(g[i] - f[i]) / q.scale)
                            sums[index].error += steps
                            sums[index].max = max(sums[index].max, steps)
                            if !range.contains(f[i]) { sums[index].clipped += 1 }
                        }
                    }
                }
                sums[index].count += Double(float.count)
            }
        }
        return QuantizationReport(points: zip(points, sums).map { point, sum in
            Point(name: point.name, quantization: point.layer.quantization, meanErrorSteps: sum.error / max(sum.count, 1),
                  maxErrorSteps: sum.max, clippedFraction: sum.clipped / max(sum.count, 1))
        })
    }
}

extension PruningData {
    /// The images `sepcnn prune` and `sepcnn eval --recalibrate-batchnorm` re-estimate BatchNorm statistics
    /// on: 20 batches of 64 from `dataset` (1,280 images: the estimates settle well before that).
    public static func batchNormRecalibration(_ dataset: Dataset, for model: Model) throws -> PruningData {
        try PruningData(dataset, for: model, batches: recalibrationBatches, batchSize: 64)
    }

    /// How many batches of 64 ``batchNormRecalibration(_:for:)`` takes by default.
    public static let recalibrationBatches = 20
}

extension Model {
    /// Re-estimates every BatchNorm's running statistics as the plain average of its batch
    /// statistics over `data` (PyTorch's `momentum=None`), weights untouched: "adaptive BatchNorm"
    /// (Li et al., EagleEye, 2020). After pruning, the kept channels' statistics downstream of the
    /// removed ones are stale; recalibrating recovers much of the accuracy before any fine-tuning.
    ///
    /// Each batch runs in training mode; the batch's statistics are read back from the running
    /// ones through BatchNorm's update rule `running = (1 − m) · running + m · batch`.
    ///
    /// - Parameter data: a few batches of training images shaped for the model (a few hundred images
    ///   suffice); their labels are not used. BatchNorms with momentum 0 or frozen are left alone.
    public func recalibrateBatchNorm(on data: PruningData) throws {
        let norms = network.namedLayers().compactMap { $0.layer as? BatchNorm }.filter { $0.momentum > 0 && !$0.isFrozen }
        guard !norms.isEmpty, !data.batches.isEmpty else { return }
        var sums = norms.map { (mean: [Double](repeating: 0, count: $0.channels), variance: [Double](repeating: 0, count: $0.channels)) }
        for batch in data.batches {
            let before = norms.map { ($0.runningMean.value.scalars, $0.runningVar.value.scalars) }
            _ = try Random.withSeed(0) { try self(batch.images, training: true) }
            for (i, norm) in norms.enumerated() {
                let m = Double(norm.momentum)
                for c in 0..<norm.channels {
                    sums[i].mean[c] += (Double(norm.runningMean.value.scalars[c]) - (1 - m) * Double(before[i].0[c])) / m
                    sums[i].variance[c] += (Double(norm.runningVar.value.scalars[c]) - (1 - m) * Double(before[i].1[c])) / m
                }
            }
        }
        let count = Double(data.batches.count)
        for (i, norm) in norms.enumerated() {
            try norm.runningMean.assign(Tensor(shape: [norm.channels], scalars: sums[i].mean.map { Float($0 / count) }))
            try norm.runningVar.assign(Tensor(shape: [norm.channels], scalars: sums[i].variance.map { Float(max($0 / count, 0)) }))
        }
    }
}

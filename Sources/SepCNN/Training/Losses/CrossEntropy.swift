import Foundation

extension Loss {
    /// Softmax cross-entropy of `logits` `[N, classes]` against integer `labels` (`N` of them, each
    /// in `0..<classes`), averaged over the batch: PyTorch's `F.cross_entropy(logits, labels,
    /// label_smoothing: labelSmoothing)`.
    ///
    /// With smoothing ε the target of each row is `(1 − ε)·onehot(label) + ε/classes`. Each row is
    /// evaluated through log-sum-exp about its maximum, so large logits neither overflow nor lose
    /// the loss to rounding. The gradient is `(softmax(logits) − target) / N`.
    public static func crossEntropy(logits: Tensor, labels: [Int], labelSmoothing: Float = 0) throws -> LossValue {
        guard logits.rank == 2, logits.shape[0] > 0, logits.shape[1] > 0 else {
            throw SepCNNError.shapeMismatch("cross-entropy expects logits [batch, classes] with both positive, got \(describe(logits.shape))")
        }
        let batch = logits.shape[0], classes = logits.shape[1]
        guard labels.count == batch else {
            throw SepCNNError.shapeMismatch("cross-entropy got \(labels.count) labels for a batch of \(batch) logits")
        }
        if let bad = labels.firstIndex(where: { $0 < 0 || $0 >= classes }) {
            throw SepCNNError.invalidArgument("label \(labels[bad]) at index \(bad) is outside 0..<\(classes)")
        }
        guard labelSmoothing >= 0, labelSmoothing <= 1 else {
            throw SepCNNError.invalidArgument("label smoothing must lie in [0, 1], got \(labelSmoothing)")
        }
        var gradient = Tensor(uncheckedShape: logits.shape)
        let offTarget = labelSmoothing / Float(classes), onTarget = 1 - labelSmoothing + offTarget
        let scale = 1 / Float(batch)
        var total: Double = 0
        logits.withPointer { z in
            gradient.withMutablePointer { g in
                for n in 0..<batch {
                    let row = z + n &* classes, grow = g + n &* classes
                    var maximum = -Float.infinity
                    for k in 0..<classes { maximum = max(maximum, row[k]) }
                    // exp(z − max) goes into the gradient row first; it becomes softmax below.
                    var sum: Float = 0, meanLogit: Float = 0
                    for k in 0..<classes {
                        let e = expf(row[k] - maximum)
                        grow[k] = e
                        sum += e
                        meanLogit += row[k]
                    }
                    meanLogit /= Float(classes)
                    let logSumExp = maximum + logf(sum)
                    // −Σ target·log p = logSumExp − Σ target·z
                    let targetLogit = (1 - labelSmoothing) * row[labels[n]] + labelSmoothing * meanLogit
                    total += Double(logSumExp - targetLogit)
                    let inverse = 1 / sum
                    for k in 0..<classes { grow[k] = (grow[k] * inverse - offTarget) * scale }
                    grow[labels[n]] -= (onTarget - offTarget) * scale
                }
            }
        }
        return LossValue(value: Float(total / Double(batch)), gradient: gradient)
    }
}

extension Loss {
    /// Mean squared error over every element: PyTorch's `F.mse_loss(predictions, targets)`.
    /// The gradient is `2·(predictions − targets) / count`.
    public static func meanSquaredError(predictions: Tensor, targets: Tensor) throws -> LossValue {
        guard predictions.shape == targets.shape else {
            throw SepCNNError.shapeMismatch(
                "mean squared error needs predictions and targets of one shape, got \(describe(predictions.shape)) and \(describe(targets.shape))")
        }
        guard predictions.count > 0 else {
            throw SepCNNError.shapeMismatch("mean squared error of an empty tensor \(describe(predictions.shape)) is undefined")
        }
        var gradient = Tensor(uncheckedShape: predictions.shape)
        let count = predictions.count, scale = 2 / Float(count)
        var total: Double = 0
        predictions.withPointer { p in
            targets.withPointer { t in
                gradient.withMutablePointer { g in
                    for i in 0..<count {
                        let d = p[i] - t[i]
                        total += Double(d * d)
                        g[i] = scale * d
                    }
                }
            }
        }
        return LossValue(value: Float(total / Double(count)), gradient: gradient)
    }
}

import Foundation

extension Loss {
    /// The knowledge-distillation loss of Hinton, Vinyals and Dean, "Distilling the Knowledge in a
    /// Neural Network" (2015), averaged over the batch:
    ///
    ///     α · T² · KL(softmax(teacher / T) ‖ softmax(student / T)) + (1 − α) · crossEntropy(student, labels)
    ///
    /// which is PyTorch's `alpha * T * T * F.kl_div(F.log_softmax(s / T, 1), F.softmax(t / T, 1),
    /// reduction="batchmean") + (1 - alpha) * F.cross_entropy(s, labels, label_smoothing=ε)`.
    ///
    /// The soft term's gradient with respect to the student's logits is `(softmax(s/T) − softmax(t/T)) / (T·N)`;
    /// the paper's T² keeps its size independent of T, so α weighs the two terms alike at any temperature.
    /// The hard term is `crossEntropy(logits:labels:labelSmoothing:)` itself, so with α = 0 the value and
    /// gradient are those of plain training bit for bit (0 times a finite soft term adds exactly nothing).
    ///
    /// - Parameters:
    ///   - studentLogits: `[N, classes]`, the model being trained.
    ///   - teacherLogits: `[N, classes]`, the teacher's for the same images; no gradient flows to them.
    ///   - labels: `N` classes in `0..<classes`.
    ///   - temperature: T > 0 (finite); 1 is the plain softmax, larger values soften both distributions.
    ///   - alpha: the soft term's weight α in [0, 1].
    ///   - labelSmoothing: the hard term's label smoothing, as in `crossEntropy`.
    public static func distillation(studentLogits: Tensor, teacherLogits: Tensor, labels: [Int], temperature: Float,
                                    alpha: Float, labelSmoothing: Float = 0) throws -> LossValue {
        try requireDistillationSettings(temperature: temperature, alpha: alpha)
        guard teacherLogits.shape == studentLogits.shape else {
            throw SepCNNError.shapeMismatch(
                "distillation needs teacher and student logits of one shape, got teacher \(describe(teacherLogits.shape)) and student \(describe(studentLogits.shape))")
        }
        let hard = try crossEntropy(logits: studentLogits, labels: labels, labelSmoothing: labelSmoothing)
        let batch = studentLogits.shape[0], classes = studentLogits.shape[1]
        var gradient = hard.gradient
        let hardWeight = 1 - alpha
        // d(α·T²·KL)/ds = α·T²·(p_s − p_t)/(T·N) = α·T·(p_s − p_t)/N.
        let softScale = alpha * temperature / Float(batch)
        var divergence: Double = 0
        var studentLog = [Float](repeating: 0, count: classes), teacherLog = [Float](repeating: 0, count: classes)
        studentLogits.withPointer { s in
            teacherLogits.withPointer { t in
                gradient.withMutablePointer { g in
                    for n in 0..<batch {
                        logSoftmaxRow(s + n &* classes, count: classes, temperature: temperature, into: &studentLog)
                        logSoftmaxRow(t + n &* classes, count: classes, temperature: temperature, into: &teacherLog)
                        let row = g + n &* classes
                        for k in 0..<classes {
                            let pTeacher = expf(teacherLog[k]), pStudent = expf(studentLog[k])
                            // p·log p → 0 as p → 0; an underflowed p contributes nothing.
                            if pTeacher > 0 { divergence += Double(pTeacher) * Double(teacherLog[k] - studentLog[k]) }
                            row[k] = hardWeight * row[k] + softScale * (pStudent - pTeacher)
                        }
                    }
                }
            }
        }
        let soft = Float(divergence / Double(batch)) * temperature * temperature
        return LossValue(value: hardWeight * hard.value + alpha * soft, gradient: gradient)
    }

    /// `softmax(logits / temperature)` along each row of `[N, classes]` logits: the soft targets of
    /// distillation (PyTorch's `F.softmax(logits / T, dim=1)`), computed as `distillation` computes them.
    public static func softmax(logits: Tensor, temperature: Float = 1) throws -> Tensor {
        guard temperature > 0, temperature.isFinite else {
            throw SepCNNError.invalidArgument("the temperature must be positive and finite, got \(temperature)")
        }
        guard logits.rank == 2, logits.shape[0] > 0, logits.shape[1] > 0 else {
            throw SepCNNError.shapeMismatch("softmax expects logits [batch, classes] with both positive, got \(describe(logits.shape))")
        }
        let classes = logits.shape[1]
        var result = Tensor(uncheckedShape: logits.shape)
        var logProbabilities = [Float](repeating: 0, count: classes)
        logits.withPointer { z in
            result.withMutablePointer { p in
                for n in 0..<logits.shape[0] {
                    logSoftmaxRow(z + n &* classes, count: classes, temperature: temperature, into: &logProbabilities)
                    for k in 0..<classes { p[n &* classes + k] = expf(logProbabilities[k]) }
                }
            }
        }
        return result
    }

    /// Throws unless T is positive and finite and α lies in [0, 1].
    static func requireDistillationSettings(temperature: Float, alpha: Float) throws {
        guard temperature > 0, temperature.isFinite else {
            throw SepCNNError.invalidArgument("the distillation temperature must be positive and finite, got \(temperature)")
        }
        guard alpha >= 0, alpha <= 1 else {
            throw SepCNNError.invalidArgument("the distillation weight alpha must lie in [0, 1], got \(alpha)")
        }
    }

    /// log softmax(row / T), about the row's maximum so that neither large logits nor a small T overflow.
    private static func logSoftmaxRow(_ row: UnsafePointer<Float>, count: Int, temperature: Float, into result: inout [Float]) {
        // Divided, not multiplied by 1/T, as PyTorch's `logits / T` rounds.
        var maximum = -Float.infinity
        for k in 0..<count { maximum = max(maximum, row[k] / temperature) }
        var sum: Float = 0
        for k in 0..<count { sum += expf(row[k] / temperature - maximum) }
        let logSum = maximum + logf(sum)
        for k in 0..<count { result[k] = row[k] / temperature - logSum }
    }
}

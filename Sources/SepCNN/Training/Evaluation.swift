/// How well a classifier did on labelled data: accuracy overall and per class, the confusion
/// matrix, and the mean cross-entropy.
public struct Evaluation: Codable, Equatable, Sendable {
    /// `confusion[truth][prediction]`: how many images of class `truth` were predicted as `prediction`.
    public var confusion: [[Int]]
    /// Cross-entropy summed over every image added (no label smoothing).
    var lossSum: Double

    /// An empty evaluation, to which `add(logits:labels:)` adds batches.
    ///
    /// - Parameter classes: the model's output classes: the confusion matrix is `classes × classes`.
    public init(classes: Int) {
        confusion = Array(repeating: Array(repeating: 0, count: classes), count: classes)
        lossSum = 0
    }

    public var classes: Int { confusion.count }
    public var count: Int { confusion.reduce(0) { $0 + $1.reduce(0, +) } }
    public var correct: Int { (0..<classes).reduce(0) { $0 + confusion[$1][$1] } }
    /// Fraction of images classified correctly, 0…1 (0 for no images).
    public var accuracy: Double { count == 0 ? 0 : Double(correct) / Double(count) }
    /// Mean cross-entropy of the logits.
    public var loss: Double { count == 0 ? 0 : lossSum / Double(count) }

    /// Accuracy within each true class (nil for a class with no images).
    public var perClassAccuracy: [Double?] {
        confusion.enumerated().map { truth, row in
            let total = row.reduce(0, +)
            return total == 0 ? nil : Double(row[truth]) / Double(total)
        }
    }

    /// Adds a batch of logits `[N, classes]` and their labels. Ties go to the lower class, as `argmax`.
    mutating func add(logits: Tensor, labels: [Int]) throws {
        let loss = try Loss.crossEntropy(logits: logits, labels: labels)
        lossSum += Double(loss.value) * Double(labels.count)
        for (label, prediction) in zip(labels, predictedClasses(logits)) { confusion[label][prediction] += 1 }
    }
}

/// The index of the largest logit of each row of `[N, classes]` logits; ties go to the lower class, as `argmax`.
func predictedClasses(_ logits: Tensor) -> [Int] {
    let classes = logits.shape.last ?? 1
    return (0 ..< logits.count / max(classes, 1)).map { i in
        let row = logits.scalars[i * classes ..< (i + 1) * classes]
        var best = row.startIndex
        for j in row.indices where row[j] > row[best] { best = j }
        return best - row.startIndex
    }
}

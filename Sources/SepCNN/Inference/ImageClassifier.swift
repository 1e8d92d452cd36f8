/// Classifies images with a model: preprocessing, a compiled plan, softmax and the top classes.
public final class ImageClassifier {
    public struct Prediction: Codable, Equatable, Sendable {
        public var classIndex: Int
        public var probability: Float
        public var label: String?
    }

    public let model: Model
    public let preprocessing: ImagePreprocessing
    /// Class names by index (a labels file's lines), or empty.
    public let labels: [String]
    private let plan: InferencePlan

    /// Compiles `model` for one image at a time.
    ///
    /// - Parameters:
    ///   - model: a classifier of images, `[height, width, channels]` in, `[1, classes]` out (logits or
    ///     probabilities).
    ///   - preprocessing: how a photo becomes the model's input, such as
    ///     ``ImagePreprocessing/imageNet(size:)``; its size is replaced by the model's input size.
    ///   - labels: the classes' names by index (default: none, predictions carry no label).
    /// - Throws: ``SepCNNError`` if the model does not take images or output class scores, or `labels`
    ///   has another count than its classes.
    public init(model: Model, preprocessing: ImagePreprocessing, labels: [String] = []) throws {
        guard model.inputShape.count == 3 else {
            throw SepCNNError.invalidArgument("model \(model.name) does not take images (input \(describe(model.inputShape)))")
        }
        self.model = model
        self.preprocessing = preprocessing
        self.labels = labels
        plan = try InferencePlan(model)
        guard plan.outputShape.count == 2 else {
            throw SepCNNError.invalidArgument("model \(model.name) does not output class scores (output \(describe(plan.outputShape)))")
        }
        if !labels.isEmpty && labels.count != plan.outputShape[1] {
            throw SepCNNError.invalidArgument("the labels list has \(labels.count) names but model \(model.name) has \(plan.outputShape[1]) classes")
        }
    }

    /// The `top` most probable classes of each image, most probable first. Scores that are
    /// already probabilities (non-negative, summing to 1, as after a Softmax layer) are kept;
    /// logits go through a softmax.
    public func classify(_ images: [Image], top: Int = 5) throws -> [[Prediction]] {
        guard top > 0 else { throw SepCNNError.invalidArgument("top must be positive, got \(top)") }
        let channels = model.inputShape[2]
        var sized = preprocessing
        sized.size = Size2D(model.inputShape[0], model.inputShape[1])
        return try images.map { image in
            let input = try sized.tensor(from: [image], channels: channels)
            let scores = try plan(input).scalars
            let sum = scores.reduce(0, +)
            let probabilities = scores.allSatisfy({ $0 >= 0 }) && abs(sum - 1) < 1e-3 ? scores : softmax(scores)
            let order = probabilities.indices.sorted { probabilities[$0] > probabilities[$1] || (probabilities[$0] == probabilities[$1] && $0 < $1) }
            return order.prefix(top).map { Prediction(classIndex: $0, probability: probabilities[$0], label: labels.isEmpty ? nil : labels[$0]) }
        }
    }

    private func softmax(_ logits: [Float]) -> [Float] {
        var probabilities = [Float](repeating: 0, count: logits.count)
        softmaxRows(logits, output: &probabilities, rows: 1, columns: logits.count)
        return probabilities
    }
}

/// Joins its inputs along one axis (ONNX Concat, Keras `Concatenate`, `torch.cat`). All other
/// dimensions must agree. The axis counts in SepCNN's layout: 3 is the channel axis of NHWC images.
public final class Concatenate: MultiInputLayer {
    public let axis: Int

    /// - Parameter axis: the dimension to join along, counted in SepCNN's layout with the batch as 0:
    ///   3 joins NHWC images' channels (PyTorch's `torch.cat(dim=1)` on NCHW, Keras's `axis=-1`).
    /// - Throws: ``SepCNNError`` if `axis` is negative. An axis beyond the inputs' rank is refused when
    ///   the shapes are known.
    public init(axis: Int) throws {
        guard axis >= 0 else { throw SepCNNError.invalidArgument("Concatenate: axis must not be negative, got \(axis)") }
        self.axis = axis
    }

    public func outputShape(forInputs inputShapes: [[Int]]) throws -> [Int] {
        guard let first = inputShapes.first, axis < first.count else {
            throw SepCNNError.shapeMismatch("Concatenate: axis \(axis) is outside input \(describe(inputShapes.first ?? []))")
        }
        var output = first
        for shape in inputShapes.dropFirst() {
            var other = shape
            guard other.count == first.count else {
                throw SepCNNError.shapeMismatch("Concatenate: inputs \(describe(first)) and \(describe(shape)) differ in rank")
            }
            other[axis] = first[axis]
            guard other == first else {
                throw SepCNNError.shapeMismatch("Concatenate: inputs \(describe(first)) and \(describe(shape)) differ outside axis \(axis)")
            }
            output[axis] += shape[axis]
        }
        return output
    }

    public func forward(_ inputs: [Tensor], training: Bool) throws -> Tensor {
        let shape = try outputShape(forInputs: inputs.map(\.shape))
        let concatenation = try ConcatenationOperator(axis: axis, inputShapes: inputs.map(\.shape))
        return Tensor.computing(shape) { y in
            for (index, input) in inputs.enumerated() { input.withPointer { concatenation.copy(input: index, $0, into: y) } }
        }
    }

    /// Each input's gradient is its own slice of the output gradient, cut along the same runs.
    public func forwardWithPullback(_ inputs: [Tensor], training: Bool) throws -> (output: Tensor, pullback: MultiInputPullback) {
        let output = try forward(inputs, training: training)
        let inputShapes = inputs.map(\.shape)
        return (output, { [self] gradOutput in
            try requireGradientShape(gradOutput, output.shape, typeName)
            let outer = output.shape[..<axis].reduce(1, *)
            let outputRun = output.shape[axis...].reduce(1, *)
            var start = 0
            return gradOutput.withPointer { dy in
                inputShapes.map { shape in
                    let run = shape[axis...].reduce(1, *)
                    defer { start += run }
                    return Tensor.computing(shape) { dx in
                        for i in 0..<outer { (dx + i &* run).update(from: dy + (i &* outputRun &+ start), count: run) }
                    }
                }
            }
        })
    }
}

extension Concatenate: LowerableMultiInputLayer {
    func lower(into builder: inout PlanBuilder, inputs: [Int], label: String) throws -> Int {
        builder.emit(try ConcatenationOperator(axis: axis, inputShapes: inputs.map(builder.shape(of:))), inputs: inputs, label: label)
    }
}

extension Concatenate: DescribableLayer {
    public struct Configuration: Codable, Equatable, Sendable {
        public var axis: Int
    }

    public var configuration: Configuration { Configuration(axis: axis) }

    public convenience init(configuration c: Configuration, children: [(name: String, layer: any Layer)]) throws {
        try self.init(axis: c.axis)
    }
}

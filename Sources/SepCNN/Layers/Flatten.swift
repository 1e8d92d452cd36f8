/// `[N, H, W, C]` → `[N, H·W·C]`, in NHWC order (h, then w, then c).
///
/// PyTorch flattens NCHW in (c, h, w) order instead, so a Dense layer after Flatten holds its
/// weight rows in a different order from the same PyTorch model's `Linear`: importers permute them.
public final class Flatten: Layer {
    public init() {}

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard inputShape.count >= 2 else {
            throw SepCNNError.shapeMismatch("Flatten expects a batch dimension and at least one more, got \(describe(inputShape))")
        }
        return [inputShape[0], inputShape.dropFirst().reduce(1, *)]
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        try input.reshaped(to: outputShape(for: input.shape))
    }

    public func forwardWithPullback(_ input: Tensor, training: Bool) throws -> (output: Tensor, pullback: Pullback) {
        let output = try forward(input, training: training)
        return (output, { [self] gradOutput in
            try requireGradientShape(gradOutput, output.shape, typeName)
            return try gradOutput.reshaped(to: input.shape)
        })
    }
}

extension Flatten: LowerableLayer {
    func lower(into builder: inout PlanBuilder, input: Int, label: String) throws -> Int {
        builder.emitCopy(input: input, shape: try outputShape(for: builder.shape(of: input)), label: label)
    }
}

extension Flatten: SettingFreeLayer {}

/// `a op b` for op in +, −, ×, ÷, with NumPy broadcasting (ONNX Add, Sub, Mul, Div; Keras `Add`,
/// `Multiply`). Either both operands are inputs, or one is a fixed `constant`.
///
/// Shapes are those of SepCNN's tensors, so an image operand is NHWC: a per-channel constant has
/// shape `[C]` (or `[1, 1, 1, C]`), and a squeeze-and-excitation gate `[N, 1, 1, C]` scales `[N, H, W, C]`.
public final class Elementwise: MultiInputLayer {
    public let operation: BinaryOperation
    /// The fixed operand, or nil when the layer reads two inputs. A buffer, not trained.
    public let constant: Parameter?
    /// Whether the constant is the left operand (`constant − x`, `constant ÷ x`).
    public let constantFirst: Bool

    /// A layer of two inputs: `inputs[0] op inputs[1]`.
    ///
    /// - Parameter operation: `.add`, `.subtract`, `.multiply` or `.divide`.
    public init(_ operation: BinaryOperation) {
        self.operation = operation
        constant = nil
        constantFirst = false
    }

    /// A layer of one input and a fixed operand: `x op constant`, or `constant op x` with `constantFirst`.
    ///
    /// - Parameters:
    ///   - operation: `.add`, `.subtract`, `.multiply` or `.divide`.
    ///   - constant: the fixed operand, broadcast against the input as NumPy does (NHWC: a per-channel
    ///     constant is `[C]`). Stored as a buffer: saved with the model, never trained.
    ///   - constantFirst: whether the constant is the left operand, for `constant − x` and
    ///     `constant ÷ x` (default false: `x op constant`).
    public init(_ operation: BinaryOperation, constant: Tensor, constantFirst: Bool = false) {
        self.operation = operation
        self.constant = Parameter(constant, trainable: false)
        self.constantFirst = constantFirst
    }

    public var typeName: String {
        switch operation {
        case .add: return "Add"
        case .subtract: return "Subtract"
        case .multiply: return "Multiply"
        case .divide: return "Divide"
        }
    }

    public var ownParameters: [(name: String, parameter: Parameter)] { constant.map { [("constant", $0)] } ?? [] }

    /// The operands' shapes, left then right.
    private func operandShapes(_ inputShapes: [[Int]]) throws -> ([Int], [Int]) {
        if let constant {
            guard inputShapes.count == 1 else {
                throw SepCNNError.invalidArgument("\(typeName) with a constant takes one input, got \(inputShapes.count)")
            }
            return constantFirst ? (constant.shape, inputShapes[0]) : (inputShapes[0], constant.shape)
        }
        guard inputShapes.count == 2 else {
            throw SepCNNError.invalidArgument("\(typeName) takes two inputs, got \(inputShapes.count)")
        }
        return (inputShapes[0], inputShapes[1])
    }

    func geometry(forInputs inputShapes: [[Int]]) throws -> BroadcastGeometry {
        let (a, b) = try operandShapes(inputShapes)
        guard let geometry = BroadcastGeometry(a, b) else {
            throw SepCNNError.shapeMismatch("\(typeName): shapes \(describe(a)) and \(describe(b)) do not broadcast")
        }
        return geometry
    }

    public func outputShape(forInputs inputShapes: [[Int]]) throws -> [Int] {
        try geometry(forInputs: inputShapes).shape
    }

    public func forward(_ inputs: [Tensor], training: Bool) throws -> Tensor {
        _ = try geometry(forInputs: inputs.map(\.shape))  // the input count and shapes, in the layer's words
        let operands = constant.map { constantFirst ? ($0.value, inputs[0]) : (inputs[0], $0.value) } ?? (inputs[0], inputs[1])
        return try BinaryOperator(operation, operands.0.shape, operands.1.shape)(operands.0, operands.1)
    }

    /// One gradient per input, summed over the axes it was broadcast along; the constant, a buffer,
    /// gets none. Sums and differences keep no operands: an operand of the output's own shape gets
    /// the output gradient itself, uncopied.
    public func forwardWithPullback(_ inputs: [Tensor], training: Bool) throws -> (output: Tensor, pullback: MultiInputPullback) {
        let output = try forward(inputs, training: training)
        let g = try geometry(forInputs: inputs.map(\.shape))
        let operands = constant.map { constantFirst ? ($0.value, inputs[0]) : (inputs[0], $0.value) } ?? (inputs[0], inputs[1])
        let shapes = (operands.0.shape, operands.1.shape)
        let kept = operation == .multiply || operation == .divide ? operands : nil
        let (wantsA, wantsB) = (constant == nil || !constantFirst, constant == nil || constantFirst)
        return (output, { [self] gradOutput in
            try requireGradientShape(gradOutput, g.shape, typeName)
            let passesThrough = operation == .add || operation == .subtract
            let aIsOutput = passesThrough && g.aCount == g.count, bIsOutput = operation == .add && g.bCount == g.count
            var gradA = wantsA && !aIsOutput ? Tensor(uncheckedShape: shapes.0) : nil
            var gradB = wantsB && !bIsOutput ? Tensor(uncheckedShape: shapes.1) : nil
            if gradA != nil || gradB != nil {
                withOptionalPointer(kept?.0) { a in
                    withOptionalPointer(kept?.1) { b in
                        gradOutput.withPointer { dy in
                            withOptionalMutablePointer(&gradA) { da in
                                withOptionalMutablePointer(&gradB) { db in
                                    broadcastBinaryBackward(operation, a, b, gradOutput: dy, gradA: da, gradB: db, geometry: g)
                                }
                            }
                        }
                    }
                }
            }
            let a = wantsA ? try gradA ?? gradOutput.reshaped(to: shapes.0) : nil
            let b = wantsB ? try gradB ?? gradOutput.reshaped(to: shapes.1) : nil
            return [a, b].compactMap { $0 }
        })
    }
}

extension Elementwise: LowerableMultiInputLayer {
    func lower(into builder: inout PlanBuilder, inputs: [Int], label: String) throws -> Int {
        let shapes = inputs.map(builder.shape(of:))
        let constant = self.constant?.value
        let operands = constant.map { constantFirst ? ($0.shape, shapes[0]) : (shapes[0], $0.shape) } ?? (shapes[0], shapes[1])
        let operation = try BinaryOperator(self.operation, operands.0, operands.1)
        guard let constant else { return builder.emit(operation, inputs: inputs, label: label) }
        return builder.emit(operation, constant: constant.scalars, constantFirst: constantFirst, input: inputs[0], label: label)
    }
}

extension Elementwise: DescribableLayer {
    public struct Configuration: Codable, Equatable, Sendable {
        public var operation: BinaryOperation
        /// The fixed operand's shape (its values are a tensor of the model), or nil for two inputs.
        public var constantShape: [Int]?
        public var constantFirst: Bool
    }

    public var configuration: Configuration {
        Configuration(operation: operation, constantShape: constant?.shape, constantFirst: constantFirst)
    }

    /// The constant starts as zeros; loading the model's tensors fills it. The configuration holds
    /// the operation, the constant's shape (nil for two inputs) and its side; there are no children.
    ///
    /// - Throws: ``SepCNNError`` if the constant's shape is not a valid tensor shape.
    public convenience init(configuration c: Configuration, children: [(name: String, layer: any Layer)]) throws {
        guard let shape = c.constantShape else {
            self.init(c.operation)
            return
        }
        self.init(c.operation, constant: try Tensor(shape: shape, repeating: 0), constantFirst: c.constantFirst)
    }

    public static func parameterCount(of c: Configuration) -> Int { c.constantShape.map(saturatingProduct) ?? 0 }
}

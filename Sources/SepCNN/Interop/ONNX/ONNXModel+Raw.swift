import Foundation

extension ONNXModel {
    /// Bytes of one input in the declared shape (batch 1), raw float32.
    public var declaredInputByteCount: Int { declaredInputShape.reduce(1, *) * MemoryLayout<Float>.size }

    /// Runs the model on raw little-endian float32 bytes in the graph's declared input shape and
    /// layout (batch 1) and returns the first output's bytes in its declared shape and layout,
    /// through a compiled `InferencePlan` on `pool`.
    public func run(rawInput: Data, pool: ThreadPool = .shared) throws -> Data {
        guard rawInput.count == declaredInputByteCount else {
            throw SepCNNError.shapeMismatch(
                "the input must hold \(declaredInputByteCount) bytes (float32 \(describe(declaredInputShape)), \(inputLayout.rawValue.uppercased())); got \(rawInput.count) bytes")
        }
        let plan = try InferencePlan(model, batch: 1, pool: pool)
        return RawFloat32.data(try declaredOutput(plan(input(fromDeclared: RawFloat32.values(rawInput)))))
    }
}

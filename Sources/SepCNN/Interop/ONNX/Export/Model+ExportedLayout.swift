import Foundation

extension Model {
    /// The input shape for batch 1 as an exported ONNX file declares it: `[1, C, H, W]`.
    public var nchwInputShape: [Int] {
        inputShape.count == 3 ? [1, inputShape[2], inputShape[0], inputShape[1]] : [1] + inputShape
    }

    /// Runs the model on one raw little-endian float32 image laid out as its exported ONNX file
    /// takes it (NCHW `[1, C, H, W]`) and returns the output as that file declares it (NCHW for an
    /// image, `[1, classes]` as it is), through a compiled `InferencePlan` on `pool`. So
    /// `sepcnn run MODEL` and ONNX Runtime on `sepcnn convert MODEL model.onnx` read and write the same bytes.
    public func run(rawNCHWInput: Data, pool: ThreadPool = .shared) throws -> Data {
        let byteCount = inputShape.reduce(1, *) * MemoryLayout<Float>.size
        guard inputShape.count == 3 else {
            throw SepCNNError.invalidArgument("model \(name) takes \(describe(inputShape)) inputs, not [height, width, channels] images")
        }
        guard rawNCHWInput.count == byteCount else {
            throw SepCNNError.shapeMismatch(
                "the input must hold \(byteCount) bytes (float32 \(describe(nchwInputShape)), NCHW); got \(rawNCHWInput.count) bytes")
        }
        let image = try Tensor.fromNCHW(Tensor(shape: nchwInputShape, scalars: RawFloat32.values(rawNCHWInput)))
        let output = try InferencePlan(self, batch: 1, pool: pool)(image)
        return RawFloat32.data(output.rank == 4 ? try output.toNCHW().scalars : output.scalars)
    }
}

/// Conversions between SepCNN's native NHWC layout and the NCHW layout of PyTorch and ONNX.
extension Tensor {
    /// Reorders a rank-4 NCHW tensor (PyTorch, ONNX) into NHWC.
    public static func fromNCHW(_ nchw: Tensor) throws -> Tensor {
        guard nchw.rank == 4 else {
            throw SepCNNError.shapeMismatch("fromNCHW expects a rank-4 [N, C, H, W] tensor, got \(describe(nchw.shape))")
        }
        return nchw.permuted([0, 2, 3, 1])
    }

    /// Reorders this rank-4 NHWC tensor into NCHW.
    public func toNCHW() throws -> Tensor {
        guard rank == 4 else {
            throw SepCNNError.shapeMismatch("toNCHW expects a rank-4 [N, H, W, C] tensor, got \(describe(shape))")
        }
        return permuted([0, 3, 1, 2])
    }

    /// The tensor with its dimensions reordered: result dimension `i` is source dimension `order[i]`.
    public func transposed(_ order: [Int]) throws -> Tensor {
        guard order.count == rank, order.sorted() == Array(0..<rank) else {
            throw SepCNNError.invalidArgument("\(order) is not a permutation of the \(rank) dimensions of \(describe(shape))")
        }
        return permuted(order)
    }

    private func permuted(_ order: [Int]) -> Tensor {
        let newShape = order.map { shape[$0] }
        var sourceStrides = [Int](repeating: 1, count: rank)
        for i in stride(from: rank - 2, through: 0, by: -1) { sourceStrides[i] = sourceStrides[i + 1] * shape[i + 1] }
        let strides = order.map { sourceStrides[$0] }
        var result = [Float](repeating: 0, count: count)
        var index = [Int](repeating: 0, count: rank)
        scalars.withUnsafeBufferPointer { src in
            for destination in 0..<count {
                var source = 0
                for d in 0..<rank { source &+= index[d] &* strides[d] }
                result[destination] = src[source]
                // advance the destination index like an odometer
                var d = rank - 1
                while d >= 0 {
                    index[d] &+= 1
                    if index[d] < newShape[d] { break }
                    index[d] = 0
                    d -= 1
                }
            }
        }
        return Tensor(uncheckedShape: newShape, scalars: result)
    }
}

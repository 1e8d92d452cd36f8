/// A value of the graph being exported: an ONNX value name and how its axes relate to the tensor
/// SepCNN computes at that point.
///
/// SepCNN stores images NHWC, ONNX's operators want NCHW, and some SepCNN layers (Flatten, Reshape,
/// Permute) are defined on SepCNN's storage order. Rather than converting eagerly, every value
/// records `order`: ONNX axis `i` of the value holds stored axis `order[i]`. A `Permute` then costs
/// nothing (only `order` changes), and a Transpose is emitted only where a consumer needs a
/// different order. Stored axis 0 is always the batch axis, and so is ONNX axis 0 (`order[0] == 0`):
/// that is what lets the batch dimension stay dynamic.
struct ONNXExportedValue {
    /// The ONNX value name.
    var name: String
    /// SepCNN's shape for batch 1 (NHWC for images).
    var shape: [Int]
    /// ONNX axis `i` holds stored axis `order[i]`.
    var order: [Int]
    /// Set on the output of an exported FakeQuantize: the int8 grid its values lie on (a bias of a
    /// quantized Conv or Gemm reading it is written as int32 at scale s_in · s_w).
    var quantization: QuantizationParameters? = nil

    var rank: Int { shape.count }

    /// The value's shape as ONNX sees it, batch 1.
    var onnxShape: [Int] { order.map { shape[$0] } }

    /// The ONNX axis that holds stored axis `axis`.
    func onnxAxis(ofStored axis: Int) -> Int { order.firstIndex(of: axis)! }

    /// Where a value of `rank` lives when nothing asks otherwise: NCHW for images (ONNX's
    /// convention, and PyTorch's), SepCNN's own order for every other rank.
    static func defaultOrder(rank: Int) -> [Int] {
        rank == 4 ? nchw : Array(0..<rank)
    }

    /// `[0, 3, 1, 2]`: ONNX's NCHW seen from SepCNN's NHWC.
    static let nchw = [0, 3, 1, 2]

    /// Whether the value holds its elements in the same sequence in `order` as in `other`
    /// (true when the two orders differ only in where unit axes sit, e.g. `[N, 1, 1, C]` as NHWC
    /// and as NCHW). The batch axis never counts as a unit axis: it is dynamic.
    func hasSameElementSequence(_ order: [Int], as other: [Int]) -> Bool {
        let moving = { (axes: [Int]) in axes.filter { $0 == 0 || shape[$0] != 1 } }
        return moving(order) == moving(other)
    }
}

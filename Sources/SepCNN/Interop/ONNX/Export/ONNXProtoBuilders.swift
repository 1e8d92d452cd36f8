import Foundation

/// Constructors for the few protobuf messages the exporter writes, so the export code reads as a
/// list of operators rather than of field assignments.
extension Onnx_AttributeProto {
    static func int(_ name: String, _ value: Int) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        attribute.name = name
        attribute.type = .int
        attribute.i = Int64(value)
        return attribute
    }

    static func ints(_ name: String, _ values: [Int]) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        attribute.name = name
        attribute.type = .ints
        attribute.ints = values.map(Int64.init)
        return attribute
    }

    static func float(_ name: String, _ value: Float) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        attribute.name = name
        attribute.type = .float
        attribute.f = value
        return attribute
    }
}

extension Onnx_TensorProto {
    /// A float32 tensor with its values as little-endian raw data, as `torch.onnx` writes weights.
    init(name: String, dims: [Int], floats: [Float]) {
        self.init()
        self.name = name
        self.dims = dims.map(Int64.init)
        dataType = Int32(DataType.float.rawValue)
        rawData = RawFloat32.data(floats)
    }

    /// An int8 tensor (quantized weights, zero points), as raw data.
    init(name: String, dims: [Int], int8s: [Int8]) {
        self.init()
        self.name = name
        self.dims = dims.map(Int64.init)
        dataType = Int32(DataType.int8.rawValue)
        rawData = Data(int8s.map { UInt8(bitPattern: $0) })
    }

    /// An int32 tensor (quantized biases), as little-endian raw data.
    init(name: String, dims: [Int], int32s: [Int32]) {
        self.init()
        self.name = name
        self.dims = dims.map(Int64.init)
        dataType = Int32(DataType.int32.rawValue)
        var bytes = Data(capacity: int32s.count * 4)
        for value in int32s { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
        rawData = bytes
    }

    /// An int64 tensor (shapes, axes), as little-endian raw data.
    init(name: String, dims: [Int], int64s: [Int]) {
        self.init()
        self.name = name
        self.dims = dims.map(Int64.init)
        dataType = Int32(DataType.int64.rawValue)
        var bytes = Data(capacity: int64s.count * 8)
        for value in int64s { withUnsafeBytes(of: Int64(value).littleEndian) { bytes.append(contentsOf: $0) } }
        rawData = bytes
    }
}

extension Onnx_ValueInfoProto {
    /// A float32 graph input or output whose first dimension is the symbolic `batch`.
    init(name: String, batch: String, dims: [Int]) {
        self.init()
        self.name = name
        var shape = Onnx_TensorShapeProto()
        shape.dim = dims.enumerated().map { axis, size in
            var dimension = Onnx_TensorShapeProto.Dimension()
            if axis == 0 { dimension.dimParam = batch } else { dimension.dimValue = Int64(size) }
            return dimension
        }
        var tensor = Onnx_TypeProto.Tensor()
        tensor.elemType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        tensor.shape = shape
        type.value = .tensorType(tensor)
    }
}

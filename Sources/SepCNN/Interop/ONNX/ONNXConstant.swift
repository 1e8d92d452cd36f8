import Foundation

/// A tensor known at load time (an initializer, a Constant, or a folded shape computation), in
/// ONNX's own row-major order. Values read as Double so one type serves float weights and int64
/// shapes alike (every int64 shape value is far below 2⁵³, where Double stops being exact).
struct ONNXConstant {
    var dims: [Int]
    var values: ONNXValues
    var isInteger: Bool
    /// The element type the file stored, for tensors read from it (zero points say whether a
    /// quantized value is int8 or uint8); nil for values SepCNN computed.
    var dataType: Onnx_TensorProto.DataType? = nil
    /// For the output of a DequantizeLinear of an int8 weight: its per-axis (or, with one value,
    /// per-tensor) scales, so the Conv or Gemm reading it keeps the weight on its int8 grid.
    var weightScales: WeightScales? = nil

    struct WeightScales {
        var axis: Int
        var scales: [Float]
    }

    init(dims: [Int], values: [Double], isInteger: Bool) {
        self.init(dims: dims, values: ONNXValues(.doubles(values)), isInteger: isInteger)
    }

    init(dims: [Int], values: ONNXValues, isInteger: Bool) {
        self.dims = dims
        self.values = values
        self.isInteger = isInteger
    }

    /// A float32 tensor, kept as floats.
    init(dims: [Int], floats: [Float]) {
        self.init(dims: dims, values: ONNXValues(.floats(floats)), isInteger: false)
    }

    var count: Int { values.count }
    var floats: [Float] {
        if case .floats(let floats) = values.storage { return floats }
        return values.map { Float($0) }
    }

    /// The values as integers; throws if one is not a whole number in Int range.
    func integers(_ what: String) throws -> [Int] {
        guard values.count <= 1 << 16 else { throw SepCNNError.invalidArgument("\(what) holds \(values.count) values; too many") }
        return try values.map { value in
            guard value.isFinite, value.rounded() == value, abs(value) <= 9.3e18 else {
                throw SepCNNError.invalidArgument("\(what) must hold integers, found \(value)")
            }
            return value >= 9.2e18 ? Int.max : value <= -9.2e18 ? Int.min : Int(value)
        }
    }

    static func scalar(_ value: Double, isInteger: Bool) -> ONNXConstant {
        ONNXConstant(dims: [], values: [value], isInteger: isInteger)
    }

    static func vector(_ values: [Int]) -> ONNXConstant {
        ONNXConstant(dims: [values.count], values: values.map(Double.init), isInteger: true)
    }

    /// The constant as a SepCNN tensor of the same shape and order.
    func tensor() throws -> Tensor {
        try Tensor(shape: dims, scalars: floats)
    }

    /// The same values with dimensions reordered: result dimension `i` is dimension `order[i]`.
    func transposed(_ order: [Int]) -> ONNXConstant {
        let rank = dims.count
        var strides = [Int](repeating: 1, count: rank)
        for axis in stride(from: rank - 2, through: 0, by: -1) { strides[axis] = strides[axis + 1] * dims[axis + 1] }
        let newDims = order.map { dims[$0] }
        func permuted<T>(_ values: [T]) -> [T] {
            guard var result = values.first.map({ [T](repeating: $0, count: values.count) }) else { return [] }
            var index = [Int](repeating: 0, count: rank)
            for destination in 0..<values.count {
                var source = 0
                for axis in 0..<rank { source += index[axis] * strides[order[axis]] }
                result[destination] = values[source]
                var axis = rank - 1
                while axis >= 0 {
                    index[axis] += 1
                    if index[axis] < newDims[axis] { break }
                    index[axis] = 0
                    axis -= 1
                }
            }
            return result
        }
        switch values.storage {
        case .floats(let floats): return ONNXConstant(dims: newDims, floats: permuted(floats))
        case .doubles(let doubles): return ONNXConstant(dims: newDims, values: permuted(doubles), isInteger: isInteger)
        }
    }
}

/// An ONNX constant's values, read as Doubles. Float32 tensors keep their 4-byte floats: weights
/// are nearly all of a model's bytes, and held as Doubles they made importing MobileNetV2 peak at
/// 114 MB, above ONNX Runtime's whole process.
struct ONNXValues: RandomAccessCollection {
    enum Storage { case floats([Float]), doubles([Double]) }
    let storage: Storage

    init(_ storage: Storage) { self.storage = storage }

    var startIndex: Int { 0 }
    var endIndex: Int {
        switch storage {
        case .floats(let floats): return floats.count
        case .doubles(let doubles): return doubles.count
        }
    }

    subscript(position: Int) -> Double {
        switch storage {
        case .floats(let floats): return Double(floats[position])
        case .doubles(let doubles): return doubles[position]
        }
    }
}

/// A list of values from a file for a message: short lists in full, long ones cut off, so a
/// corrupt file cannot produce a megabyte-long error.
func describeList(_ values: [Int]) -> String {
    values.count <= 12 ? describe(values) : describe(Array(values.prefix(8))).dropLast() + ", … (\(values.count) values)]"
}

/// Checks ONNX dimensions: non-negative, and a product small enough to hold in memory.
func checkedElementCount(_ dims: [Int], _ what: String) throws -> Int {
    var product = 1
    for dim in dims {
        guard dim >= 0 else { throw SepCNNError.invalidArgument("\(what) has a negative dimension in \(describeList(dims))") }
        let (next, overflow) = product.multipliedReportingOverflow(by: dim)
        guard !overflow, next <= Tensor.maximumElementCount else {
            throw SepCNNError.invalidArgument("\(what) has dimensions \(describeList(dims)), too many elements")
        }
        product = next
    }
    return product
}

extension ONNXConstant {
    /// Decodes a TensorProto: raw_data, the typed data fields, or external data in a file beside
    /// the model (only inside `directory`, and only when the model was loaded from a file).
    init(_ proto: Onnx_TensorProto, directory: URL?) throws {
        let name = "tensor '\(proto.name)'"
        guard proto.dims.count <= 16, proto.dims.allSatisfy({ $0 >= 0 && $0 <= Int64(Int32.max) }) else {
            throw SepCNNError.invalidArgument("\(name) has invalid dimensions \(describeList(proto.dims.map { Int(clamping: $0) }))")
        }
        let dims = proto.dims.map { Int($0) }
        let count = try checkedElementCount(dims, name)
        guard let type = Onnx_TensorProto.DataType(rawValue: Int(proto.dataType)), let element = ElementType(type) else {
            throw SepCNNError.invalidArgument("\(name) has element type \(onnxTypeName(proto.dataType)), which SepCNN does not read (float, double, integers and bool only; "
                + "quantized models must use int8 or uint8: int4, uint4, float8 and float4 are not supported)")
        }
        var raw: Data?
        if proto.dataLocation == .external {
            raw = try Self.externalData(proto, directory: directory, byteCount: count * element.size, name: name)
        } else if proto.hasRawData {
            raw = proto.rawData
        }
        let values: [Double]
        if let raw {
            guard raw.count == count * element.size else {
                throw SepCNNError.invalidArgument("\(name): raw data holds \(raw.count) bytes, but \(describe(dims)) of \(element) needs \(count * element.size)")
            }
            if element == .float32 {
                let floats = raw.withUnsafeBytes { bytes in
                    (0..<count).map { Float(bitPattern: bytes.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self).littleEndian) }
                }
                self.init(dims: dims, floats: floats)
                dataType = type
                return
            }
            values = element.decode(raw, count: count)
        } else if element == .float32 {
            guard proto.floatData.count == count else {
                throw SepCNNError.invalidArgument("\(name) holds \(proto.floatData.count) values, but its dimensions \(describe(dims)) need \(count)")
            }
            self.init(dims: dims, floats: proto.floatData)
            dataType = type
            return
        } else {
            switch element {
            case .float64: values = proto.doubleData
            case .int64: values = proto.int64Data.map(Double.init)
            case .uint32, .uint64: values = proto.uint64Data.map(Double.init)
            default: values = proto.int32Data.map(Double.init)
            }
            guard values.count == count else {
                throw SepCNNError.invalidArgument("\(name) holds \(values.count) values, but its dimensions \(describe(dims)) need \(count)")
            }
        }
        self.init(dims: dims, values: values, isInteger: element.isInteger)
        dataType = type
    }

    private static func externalData(_ proto: Onnx_TensorProto, directory: URL?, byteCount: Int, name: String) throws -> Data {
        var entries: [String: String] = [:]
        for entry in proto.externalData { entries[entry.key] = entry.value }
        guard let location = entries["location"], !location.isEmpty else {
            throw SepCNNError.invalidArgument("\(name) is stored externally but names no location")
        }
        guard let directory else {
            throw SepCNNError.invalidArgument("\(name) is stored in the external file '\(location)'; load the model from its file so that file can be found beside it")
        }
        let components = location.split(separator: "/", omittingEmptySubsequences: false)
        guard !location.hasPrefix("/"), !location.contains("\\"), !location.contains(":"),
              !components.contains(where: { $0 == ".." || $0.isEmpty }) else {
            throw SepCNNError.invalidArgument("\(name): external data location '\(location)' must be a plain relative path inside the model's directory")
        }
        let offset = Int(entries["offset"] ?? "0") ?? -1
        let length = entries["length"].map { Int($0) ?? -1 } ?? byteCount
        guard offset >= 0, length == byteCount else {
            throw SepCNNError.invalidArgument("\(name): external data offset \(entries["offset"] ?? "0") and length \(entries["length"] ?? "-") do not describe the \(byteCount) bytes it needs")
        }
        let url = directory.appendingPathComponent(location)
        guard url.standardizedFileURL.path.hasPrefix(directory.standardizedFileURL.path),
              let handle = try? FileHandle(forReadingFrom: url) else {
            throw SepCNNError.invalidArgument("\(name): cannot open its external data file '\(location)' beside the model")
        }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()).map(Int.init) ?? 0
        guard offset <= size, length <= size - offset else {
            throw SepCNNError.invalidArgument("\(name): external data bytes \(offset)..<\(offset + length) lie beyond the end of '\(location)' (\(size) bytes)")
        }
        try handle.seek(toOffset: UInt64(offset))
        guard let data = try handle.read(upToCount: length), data.count == length else {
            throw SepCNNError.invalidArgument("\(name): could not read \(length) bytes from '\(location)'")
        }
        return data
    }
}

/// The tensor element types SepCNN reads, with their little-endian sizes.
private enum ElementType {
    case float32, float64, int8, uint8, int16, uint16, int32, uint32, int64, uint64, bool

    init?(_ type: Onnx_TensorProto.DataType) {
        switch type {
        case .float: self = .float32
        case .double: self = .float64
        case .int8: self = .int8
        case .uint8: self = .uint8
        case .int16: self = .int16
        case .uint16: self = .uint16
        case .int32: self = .int32
        case .uint32: self = .uint32
        case .int64: self = .int64
        case .uint64: self = .uint64
        case .bool: self = .bool
        default: return nil
        }
    }

    var size: Int {
        switch self {
        case .int8, .uint8, .bool: return 1
        case .int16, .uint16: return 2
        case .float32, .int32, .uint32: return 4
        case .float64, .int64, .uint64: return 8
        }
    }

    var isInteger: Bool { self != .float32 && self != .float64 }

    func decode(_ data: Data, count: Int) -> [Double] {
        data.withUnsafeBytes { bytes in
            (0..<count).map { i in
                let at = i * size
                switch self {
                case .float32: return Double(Float(bitPattern: bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self).littleEndian))
                case .float64: return Double(bitPattern: bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self).littleEndian)
                case .int8: return Double(Int8(bitPattern: bytes[at]))
                case .uint8, .bool: return Double(bytes[at])
                case .int16: return Double(Int16(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: Int16.self)))
                case .uint16: return Double(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt16.self)))
                case .int32: return Double(Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: Int32.self)))
                case .uint32: return Double(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
                case .int64: return Double(Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: Int64.self)))
                case .uint64: return Double(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self)))
                }
            }
        }
    }
}

/// The element types SepCNN reads from and writes to safetensors files. Every type is converted
/// to and from `Float` (`I8` exactly, `I64` exactly up to 2²⁴; `F64` rounded; `F16`/`BF16` widened exactly and
/// narrowed with round-to-nearest-even). Other safetensors types are refused by name.
public enum SafetensorsDType: String, Sendable, CaseIterable {
    case float32 = "F32", float16 = "F16", bfloat16 = "BF16", float64 = "F64", int64 = "I64", int8 = "I8"

    public var byteCount: Int {
        switch self {
        case .int8: return 1
        case .float16, .bfloat16: return 2
        case .float32: return 4
        case .float64, .int64: return 8
        }
    }

    /// Element `i` of little-endian `bytes` as a Float.
    func load(_ bytes: UnsafeRawPointer, _ i: Int) -> Float {
        switch self {
        case .float32: return Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i &* 4, as: UInt32.self)))
        case .float16: return Float(Float16(bitPattern: UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: i &* 2, as: UInt16.self))))
        case .bfloat16: return Float(bitPattern: UInt32(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: i &* 2, as: UInt16.self))) << 16)
        case .float64: return Float(Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i &* 8, as: UInt64.self))))
        case .int64: return Float(Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: i &* 8, as: Int64.self)))
        case .int8: return Float(bytes.load(fromByteOffset: i, as: Int8.self))
        }
    }

    /// Appends `value` in this type, little-endian. Integers are rounded to nearest and clamped.
    func append(_ value: Float, to bytes: inout [UInt8]) {
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
        switch self {
        case .float32: put(value.bitPattern)
        case .float16: put(Float16(value).bitPattern)
        case .bfloat16:
            let bits = value.bitPattern
            if value.isNaN { put(UInt16(bits >> 16) | 0x40) } else {
                let rounded = bits &+ 0x7FFF &+ ((bits >> 16) & 1)  // round to nearest, ties to even
                put(UInt16(rounded >> 16))
            }
        case .float64: put(Double(value).bitPattern)
        case .int64:
            let clamped: Float = value.isNaN ? 0 : min(max(value.rounded(), -0x1p63), Float(0x1p63).nextDown)
            put(Int64(clamped))
        case .int8:
            let clamped: Float = value.isNaN ? 0 : min(max(value.rounded(.toNearestOrEven), -128), 127)
            put(Int8(clamped))
        }
    }
}

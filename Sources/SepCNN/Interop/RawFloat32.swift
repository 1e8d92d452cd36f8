import Foundation

/// Raw little-endian float32, the format of `sepcnn run`'s files, numpy's `tofile` and ONNX's raw_data.
enum RawFloat32 {
    /// The values `data` holds; a trailing partial value is ignored (callers check the count first).
    static func values(_ data: Data) -> [Float] {
        data.withUnsafeBytes { bytes in
            (0..<data.count / 4).map { Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }

    static func data(_ values: [Float]) -> Data {
        var bytes = Data(capacity: values.count * 4)
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        return bytes
    }
}

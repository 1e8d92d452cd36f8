import Foundation

/// Where one tensor lives in a safetensors body, validated.
struct SafetensorsLayout {
    var name: String
    var dtype: SafetensorsDType
    var shape: [Int]
    var begin: Int
    var end: Int
}

/// Parses a safetensors JSON header and checks it against a body of `bodyLength` bytes. Returns
/// the tensors sorted by offset, and the metadata.
func parseSafetensorsHeader(_ header: Data, bodyLength: Int) throws -> ([SafetensorsLayout], [String: String]) {
    try checkHeaderStructure(header)
    let root: Any
    do { root = try JSONSerialization.jsonObject(with: header) } catch {
        throw SepCNNError.invalidFile("the header is not valid JSON")
    }
    guard let object = root as? [String: Any] else {
        throw SepCNNError.invalidFile("the header is not a JSON object")
    }
    var metadata: [String: String] = [:]
    var layouts: [SafetensorsLayout] = []
    for (name, value) in object {
        if name == "__metadata__" {
            guard let map = value as? [String: Any] else {
                throw SepCNNError.invalidFile("__metadata__ is not a JSON object")
            }
            for (key, item) in map {
                guard let text = item as? String else {
                    throw SepCNNError.invalidFile("__metadata__ entry '\(key)' is not a string")
                }
                metadata[key] = text
            }
            continue
        }
        guard let fields = value as? [String: Any] else {
            throw SepCNNError.invalidFile("tensor '\(name)' is not described by a JSON object")
        }
        guard let dtypeName = fields["dtype"] as? String else {
            throw SepCNNError.invalidFile("tensor '\(name)' has no dtype string")
        }
        guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
            let known = SafetensorsDType.allCases.map(\.rawValue).joined(separator: ", ")
            throw SepCNNError.invalidFile("tensor '\(name)' has dtype \(dtypeName); SepCNN reads \(known)")
        }
        guard let shape = integers(fields["shape"]), shape.allSatisfy({ $0 >= 0 }) else {
            throw SepCNNError.invalidFile("tensor '\(name)' has no shape list of non-negative integers")
        }
        do { try Tensor.validate(shape) } catch let error as SepCNNError {
            throw SepCNNError.invalidFile("tensor '\(name)': \(error.message)")
        }
        guard let offsets = integers(fields["data_offsets"]), offsets.count == 2 else {
            throw SepCNNError.invalidFile("tensor '\(name)' has no data_offsets pair of integers")
        }
        let (begin, end) = (offsets[0], offsets[1])
        guard begin >= 0, begin <= end, end <= bodyLength else {
            throw SepCNNError.invalidFile("tensor '\(name)' has data_offsets [\(begin), \(end)] outside the \(bodyLength) data bytes")
        }
        // validate() bounds the element count at 2³², so this product cannot overflow.
        let expected = shape.reduce(1, *) * dtype.byteCount
        guard end - begin == expected else {
            throw SepCNNError.invalidFile(
                "tensor '\(name)' of shape \(describe(shape)) and dtype \(dtypeName) needs \(expected) bytes, its data_offsets span \(end - begin)")
        }
        layouts.append(SafetensorsLayout(name: name, dtype: dtype, shape: shape, begin: begin, end: end))
    }
    layouts.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
    // As the reference implementation: the tensors cover the data exactly, one after the other.
    // A gap or trailing bytes would otherwise shift nothing visibly and load garbage silently.
    var covered = 0
    for layout in layouts {
        guard layout.begin >= covered else {
            throw SepCNNError.invalidFile("tensor '\(layout.name)' at data_offsets [\(layout.begin), \(layout.end)] overlaps the tensor before it, which ends at \(covered)")
        }
        guard layout.begin == covered else {
            throw SepCNNError.invalidFile("the data has \(layout.begin - covered) bytes no tensor covers, at [\(covered), \(layout.begin)] before tensor '\(layout.name)'")
        }
        covered = layout.end
    }
    guard covered == bodyLength else {
        throw SepCNNError.invalidFile("the data has \(bodyLength - covered) bytes after its last tensor (the tensors cover \(covered) of \(bodyLength))")
    }
    return (layouts, metadata)
}

/// Checks, in one pass over the bytes and before any JSON is parsed, that the header is shaped like
/// a safetensors header: nested at most three deep (object → tensor → shape or offsets) and naming at
/// most `SafetensorsFile.maximumTensorCount` tensors, with a bounded number of values. So a header of
/// a million tiny tensors, or of deeply nested arrays, is refused without building its objects.
func checkHeaderStructure(_ header: Data) throws {
    // Separators in a tensor entry: rank + 3; 16 a tensor allows rank 13, beyond any real tensor.
    let maximumTensors = SafetensorsFile.maximumTensorCount, maximumSeparators = 16 * (maximumTensors + 2)
    var depth = 0, objects = 0, separators = 0
    var inString = false, escaped = false
    for byte in header {
        if inString {
            if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
            continue
        }
        switch byte {
        case UInt8(ascii: "\""): inString = true
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            depth += 1
            guard depth <= 3 else { throw SepCNNError.invalidFile("the header nests deeper than a safetensors header does") }
            if byte == UInt8(ascii: "{") && depth == 2 {
                objects += 1
                guard objects <= maximumTensors + 1 else {
                    throw SepCNNError.invalidFile("the header describes more than \(maximumTensors) tensors, the most SepCNN reads")
                }
            }
        case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
        case UInt8(ascii: ","):
            separators += 1
            guard separators <= maximumSeparators else {
                throw SepCNNError.invalidFile("the header holds more values than \(maximumTensors) tensors can have")
            }
        default: break
        }
    }
}

/// A JSON array of integers, or nil (non-integral, out-of-range and non-numeric values included;
/// Foundation reports `true` as 1 on Linux, which is harmless here).
private func integers(_ value: Any?) -> [Int]? {
    guard let array = value as? [Any] else { return nil }
    var result: [Int] = []
    for item in array {
        guard let number = item as? NSNumber else { return nil }
        let double = number.doubleValue
        guard double.rounded() == double, abs(double) < 0x1p53 else { return nil }
        result.append(Int(double))
    }
    return result
}

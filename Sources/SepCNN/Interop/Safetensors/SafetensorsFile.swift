import Foundation

/// A safetensors file (https://github.com/huggingface/safetensors): an 8-byte little-endian header
/// length, a JSON header mapping each tensor name to `{"dtype", "shape", "data_offsets"}` plus an
/// optional `"__metadata__"` string map, then the raw little-endian tensor bytes.
///
/// Reading checks everything before touching the data, as the reference implementation does: the
/// header length against the file size (and a 100 MB limit), the header's shape before it is parsed
/// (at most `maximumTensorCount` tensors), the JSON, every dtype, shape and offset pair, that each
/// tensor's byte range holds exactly its elements, and that the ranges cover the data exactly, in
/// order, with no gap, overlap or trailing byte. A malformed file throws `SepCNNError.invalidFile`
/// naming the file and the problem; nothing in it can crash or exhaust memory.
public struct SafetensorsFile: Sendable {
    public struct Entry: Sendable {
        public var name: String
        /// The values, converted to Float.
        public var tensor: Tensor
        /// The element type in the file (read) or to use when writing.
        public var dtype: SafetensorsDType

        public init(name: String, tensor: Tensor, dtype: SafetensorsDType = .float32) {
            self.name = name
            self.tensor = tensor
            self.dtype = dtype
        }
    }

    /// Tensors in the order of their data in the file (the order written).
    public var entries: [Entry]
    public var metadata: [String: String]

    public init(entries: [Entry] = [], metadata: [String: String] = [:]) {
        self.entries = entries
        self.metadata = metadata
    }

    /// The tensor called `name`, if present.
    public subscript(name: String) -> Tensor? { entries.first { $0.name == name }?.tensor }

    /// The largest header accepted, as in the Python implementation.
    static let maximumHeaderLength = 100_000_000
    /// The most tensors a file may hold: 2¹⁶, fifty times an Adam checkpoint of MobileNetV2. Counted
    /// in the header's bytes before the JSON is parsed, which bounds the parser's memory too.
    static let maximumTensorCount = 1 << 16

    /// Reads and validates the file at `url`.
    public init(contentsOf url: URL) throws {
        try self.init(contentsOf: url, checking: { _, _ in })
    }

    /// Reads and validates the file at `url`, letting `check` see the metadata and every tensor's
    /// name, dtype, shape and place before any tensor is copied; `check` throws to refuse the file
    /// (a model file holding tensors its architecture does not need, say), its message then
    /// prefixed with the path.
    ///
    /// The header is read and checked first, and the file only once it and `check` have passed, so
    /// a file far larger than its model needs costs no more than its header.
    init(contentsOf url: URL, checking check: (_ metadata: [String: String], _ tensors: [SafetensorsLayout]) throws -> Void) throws {
        do {
            try Self.checkHeader(of: url, checking: check)
        } catch let error as SepCNNError {
            throw SepCNNError(error.kind, "\(url.path): \(error.message)", layerPath: error.layerPath)
        }
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw SepCNNError.invalidFile("cannot read \(url.path): \(fileErrorReason(error))")
        }
        // Everything is checked again on the whole file, which may have changed in between.
        do { try self.init(decoding: data, checking: check) } catch let error as SepCNNError {
            throw SepCNNError(error.kind, "\(url.path): \(error.message)", layerPath: error.layerPath)
        }
    }

    /// Reads only the length and header of the file at `url`, and validates them as `init(decoding:)` does.
    private static func checkHeader(of url: URL, checking check: (_ metadata: [String: String], _ tensors: [SafetensorsLayout]) throws -> Void) throws {
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw SepCNNError.invalidFile("cannot read it: \(String(cString: strerror(errno)))")
        }
        defer { try? handle.close() }
        let size: Int, first: Data
        do {
            size = Int(try handle.seekToEnd())
            try handle.seek(toOffset: 0)
            first = try handle.read(upToCount: 8) ?? Data()
        } catch { throw SepCNNError.invalidFile("cannot read it: \(fileErrorReason(error))") }
        let headerLength = try headerLength(first, fileSize: size)
        let header: Data
        do { header = try handle.read(upToCount: headerLength) ?? Data() } catch {
            throw SepCNNError.invalidFile("cannot read it: \(fileErrorReason(error))")
        }
        guard header.count == headerLength else { throw SepCNNError.invalidFile("the file shrank while it was read") }
        let (layouts, metadata) = try parseSafetensorsHeader(header, bodyLength: size - 8 - headerLength)
        try check(metadata, layouts)
    }

    /// The header length the first 8 of a file's `fileSize` bytes declare, checked.
    static func headerLength(_ first: Data, fileSize: Int) throws -> Int {
        guard first.count == 8, fileSize >= 8 else {
            throw SepCNNError.invalidFile("not a safetensors file: \(fileSize) bytes, shorter than the 8-byte header length")
        }
        let declared = first.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard declared <= UInt64(Self.maximumHeaderLength), Int(declared) <= fileSize - 8 else {
            throw SepCNNError.invalidFile(
                "header length \(declared) exceeds the \(fileSize - 8) bytes after it (or the \(Self.maximumHeaderLength)-byte limit)")
        }
        return Int(declared)
    }

    /// Whether `data` starts as a safetensors file does: a plausible header length, then a JSON object.
    /// `data` may be the file's first bytes only, with `fileSize` the whole file's.
    static func hasSafetensorsHeader(_ data: Data, fileSize: Int? = nil) -> Bool {
        let size = fileSize ?? data.count
        guard data.count >= 9, size >= 9 else { return false }
        let declared = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        return declared >= 2 && declared <= UInt64(size - 8) && data[data.startIndex + 8] == UInt8(ascii: "{")
    }

    /// Parses and validates the bytes of a safetensors file.
    public init(decoding data: Data) throws {
        try self.init(decoding: data, checking: { _, _ in })
    }

    init(decoding data: Data, checking check: (_ metadata: [String: String], _ tensors: [SafetensorsLayout]) throws -> Void) throws {
        let parsed = try data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> SafetensorsFile in
            guard bytes.count >= 8 else {
                throw SepCNNError.invalidFile("not a safetensors file: \(bytes.count) bytes, shorter than the 8-byte header length")
            }
            let declared = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
            guard declared <= UInt64(Self.maximumHeaderLength), Int(declared) <= bytes.count - 8 else {
                throw SepCNNError.invalidFile(
                    "header length \(declared) exceeds the \(bytes.count - 8) bytes after it (or the \(Self.maximumHeaderLength)-byte limit)")
            }
            let headerLength = Int(declared)
            let header = Data(bytes[8..<(8 + headerLength)])
            let body = UnsafeRawBufferPointer(rebasing: bytes[(8 + headerLength)...])
            let (layouts, metadata) = try parseSafetensorsHeader(header, bodyLength: body.count)
            try check(metadata, layouts)
            var entries: [Entry] = []
            entries.reserveCapacity(layouts.count)
            for layout in layouts {
                var tensor = Tensor(uncheckedShape: layout.shape)
                let source = body.baseAddress.map { $0 + layout.begin }, count = tensor.count
                tensor.withMutablePointer { out in
                    guard let source else { return }
                    if layout.dtype == .float32 {
                        // The file is little-endian, as is every platform Swift runs SepCNN on.
                        memcpy(out, source, layout.end - layout.begin)
                    } else {
                        for i in 0..<count { out[i] = layout.dtype.load(source, i) }
                    }
                }
                entries.append(Entry(name: layout.name, tensor: tensor, dtype: layout.dtype))
            }
            return SafetensorsFile(entries: entries, metadata: metadata)
        }
        self = parsed
    }

    /// The file's bytes: header (padded with spaces to a multiple of 8 bytes, as the Python
    /// writer does, so the data is aligned) followed by each entry's data in order.
    public func encoded() throws -> Data {
        var seen = Set<String>()
        for entry in entries {
            guard entry.name != "__metadata__" else { throw SepCNNError.invalidArgument("'__metadata__' cannot name a tensor") }
            guard seen.insert(entry.name).inserted else {
                throw SepCNNError.invalidArgument("tensor name '\(entry.name)' appears twice")
            }
        }
        var header = "{"
        if !metadata.isEmpty {
            header += jsonString("__metadata__") + ":{"
            header += metadata.sorted { $0.key < $1.key }.map { jsonString($0.key) + ":" + jsonString($0.value) }.joined(separator: ",")
            header += "}"
        }
        var offset = 0
        for entry in entries {
            let size = entry.tensor.count * entry.dtype.byteCount
            if header.count > 1 { header += "," }
            header += jsonString(entry.name) + ":{\"dtype\":\"\(entry.dtype.rawValue)\",\"shape\":["
                + entry.tensor.shape.map(String.init).joined(separator: ",")
                + "],\"data_offsets\":[\(offset),\(offset + size)]}"
            offset += size
        }
        header += "}"
        var headerBytes = Array(header.utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + headerBytes.count + offset)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes += headerBytes
        for entry in entries {
            if entry.dtype == .float32 {
                entry.tensor.withUnsafeBufferPointer { bytes.append(contentsOf: UnsafeRawBufferPointer($0)) }
            } else {
                for value in entry.tensor.scalars { entry.dtype.append(value, to: &bytes) }
            }
        }
        return Data(bytes)
    }

    /// Writes the file atomically (see `AtomicFile.write`).
    public func write(to url: URL) throws {
        try AtomicFile.write(try encoded(), to: url)
    }
}

/// `s` as a JSON string literal.
func jsonString(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

import Foundation

/// A DEFLATE decoder (RFC 1951): stored, fixed-Huffman and dynamic-Huffman blocks.
///
/// Every malformed input — a truncated stream, an invalid code, a distance reaching before the
/// start, output beyond `limit` — throws `SepCNNError.invalidFile` rather than trapping.
enum Inflate {
    /// Decodes the raw DEFLATE stream at the start of `input`. Returns the output and how many
    /// input bytes the stream occupied (its last byte included).
    static func decompress(_ input: UnsafeBufferPointer<UInt8>, limit: Int = 1 << 32) throws -> (output: [UInt8], consumed: Int) {
        var output = OutputBuffer(limit: limit, expected: input.count * 4)
        let consumed = try decode(input, into: &output)
        return (output.takeBytes(), consumed)
    }

    /// The first `count` bytes the stream at the start of `input` decodes to (all of them if there
    /// are fewer), decoding no further. The stream's end is not reached, so nothing after it is checked.
    static func prefix(_ input: UnsafeBufferPointer<UInt8>, count: Int) throws -> [UInt8] {
        var output = OutputBuffer(limit: count, expected: count, stopsAtLimit: true)
        do { _ = try decode(input, into: &output) } catch is LimitReached {}
        return output.takeBytes()
    }

    /// Thrown by an `OutputBuffer` that stops at its limit, once it is full.
    struct LimitReached: Error {}

    /// Decodes blocks into `output` up to the last one; returns the input bytes used.
    private static func decode(_ input: UnsafeBufferPointer<UInt8>, into output: inout OutputBuffer) throws -> Int {
        var reader = BitReader(input)
        var lastBlock = false
        while !lastBlock {
            lastBlock = reader.take(1) == 1
            switch reader.take(2) {
            case 0:
                try reader.copyStoredBlock(into: &output)
            case 1:
                try decodeBlock(&reader, &output, literals: fixedTables.literals, distances: fixedTables.distances)
            case 2:
                let (literals, distances) = try readDynamicTables(&reader)
                try decodeBlock(&reader, &output, literals: literals, distances: distances)
            default:
                throw corrupt("reserved block type 3")
            }
            try reader.checkNotPastEnd()
        }
        return reader.consumedBytes
    }

    static func corrupt(_ what: String) -> SepCNNError { SepCNNError.invalidFile("corrupt deflate data: \(what)") }
    static let truncated = SepCNNError.invalidFile("compressed data is truncated")

    static let lengthBase: [UInt16] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59,
                                       67, 83, 99, 115, 131, 163, 195, 227, 258]
    static let lengthExtra: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distanceBase: [UInt16] = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769,
                                         1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    static let distanceExtra: [UInt8] = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

    static let fixedTables: (literals: HuffmanTable, distances: HuffmanTable) = {
        var lengths = [UInt8](repeating: 8, count: 288)
        for i in 144..<256 { lengths[i] = 9 }
        for i in 256..<280 { lengths[i] = 7 }
        // Fixed codes are complete by construction, so building them cannot throw.
        return (try! HuffmanTable(lengths: lengths[...]), try! HuffmanTable(lengths: [UInt8](repeating: 5, count: 30)[...]))
    }()

    static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    static func readDynamicTables(_ reader: inout BitReader) throws -> (HuffmanTable, HuffmanTable) {
        let literalCount = Int(reader.take(5)) + 257, distanceCount = Int(reader.take(5)) + 1
        let codeLengthCount = Int(reader.take(4)) + 4
        guard literalCount <= 286, distanceCount <= 30 else { throw corrupt("too many length or distance codes") }
        var codeLengthLengths = [UInt8](repeating: 0, count: 19)
        for i in 0..<codeLengthCount { codeLengthLengths[codeLengthOrder[i]] = UInt8(reader.take(3)) }
        let codeLengths = try HuffmanTable(lengths: codeLengthLengths[...])
        var lengths = [UInt8](repeating: 0, count: literalCount + distanceCount)
        var i = 0
        while i < lengths.count {
            let symbol = try reader.decode(codeLengths)
            var repeated: UInt8 = 0, times = 1
            switch symbol {
            case 0..<16: repeated = UInt8(symbol)
            case 16:
                guard i > 0 else { throw corrupt("a repeat code with no previous length") }
                repeated = lengths[i - 1]; times = 3 + Int(reader.take(2))
            case 17: times = 3 + Int(reader.take(3))
            default: times = 11 + Int(reader.take(7))
            }
            guard i + times <= lengths.count else { throw corrupt("code lengths overflow the table") }
            for _ in 0..<times { lengths[i] = repeated; i += 1 }
            try reader.checkNotPastEnd()
        }
        guard lengths[256] != 0 else { throw corrupt("no end-of-block code") }
        return (try HuffmanTable(lengths: lengths[..<literalCount]), try HuffmanTable(lengths: lengths[literalCount...]))
    }

    static func decodeBlock(_ reader: inout BitReader, _ output: inout OutputBuffer,
                            literals: HuffmanTable, distances: HuffmanTable) throws {
        while true {
            let symbol = try reader.decode(literals)
            if symbol < 256 {
                try output.append(UInt8(symbol))
                continue
            }
            if symbol == 256 { return }
            let lengthIndex = symbol - 257
            guard lengthIndex < 29 else { throw corrupt("invalid length code \(symbol)") }
            let length = Int(lengthBase[lengthIndex]) + Int(reader.take(Int(lengthExtra[lengthIndex])))
            let distanceSymbol = try reader.decode(distances)
            guard distanceSymbol < 30 else { throw corrupt("invalid distance code \(distanceSymbol)") }
            let distance = Int(distanceBase[distanceSymbol]) + Int(reader.take(Int(distanceExtra[distanceSymbol])))
            try reader.checkNotPastEnd()
            try output.copyMatch(distance: distance, length: length)
        }
    }
}

/// Reads DEFLATE's least-significant-bit-first bit stream through a 64-bit buffer. Past the end
/// of the input it supplies zero bits; `checkNotPastEnd` turns having used them into an error.
struct BitReader {
    let input: UnsafeBufferPointer<UInt8>
    var next = 0
    var buffer: UInt64 = 0
    var count = 0

    init(_ input: UnsafeBufferPointer<UInt8>) { self.input = input }

    /// Bytes of input used so far, a partly used last byte included.
    var consumedBytes: Int { next - count / 8 }

    @inline(__always) mutating func refill() {
        while count <= 56 {
            if next < input.count { buffer |= UInt64(input[next]) << UInt64(count) }
            next += 1
            count += 8
        }
    }

    @inline(__always) mutating func take(_ bits: Int) -> UInt32 {
        guard bits > 0 else { return 0 }
        if count < bits { refill() }
        let value = UInt32(truncatingIfNeeded: buffer & ((1 << UInt64(bits)) - 1))
        buffer >>= UInt64(bits)
        count -= bits
        return value
    }

    @inline(__always) mutating func decode(_ table: HuffmanTable) throws -> Int {
        if count < 15 {
            refill()
            // Once more than 8 zero bytes were supplied, every real bit is used up. Checking here
            // keeps a truncated stream of zero-bit literals from decoding on without end.
            if next > input.count &+ 8 { throw Inflate.truncated }
        }
        let entry = Int(table.entries[Int(buffer & ((1 << UInt64(table.maximumLength)) - 1))])
        guard entry != 0 else {
            try checkNotPastEnd()
            throw Inflate.corrupt("a bit pattern no Huffman code uses")
        }
        let length = entry & 15
        buffer >>= UInt64(length)
        count -= length
        return entry >> 4
    }

    func checkNotPastEnd() throws {
        if (next - input.count) * 8 > count { throw Inflate.truncated }
    }

    /// A stored block: skip to the byte boundary, read LEN and its complement NLEN, copy LEN bytes.
    mutating func copyStoredBlock(into output: inout OutputBuffer) throws {
        let position = consumedBytes  // the partial byte is dropped: that is the alignment
        guard position + 4 <= input.count else { throw Inflate.truncated }
        let length = Int(input[position]) | Int(input[position + 1]) << 8
        let complement = Int(input[position + 2]) | Int(input[position + 3]) << 8
        guard length ^ 0xFFFF == complement else { throw Inflate.corrupt("stored block length fails its check") }
        guard position + 4 + length <= input.count else { throw Inflate.truncated }
        try output.append(UnsafeBufferPointer(rebasing: input[(position + 4)..<(position + 4 + length)]))
        next = position + 4 + length
        buffer = 0
        count = 0
    }
}

/// Growable output with DEFLATE's overlapping back-reference copy and a size limit.
///
/// Storage grows by doubling and is written through a pointer: appending a slice of an array to
/// itself would copy the whole array on every match (the slice keeps the buffer shared).
struct OutputBuffer {
    private var storage: [UInt8]
    private(set) var count = 0
    let limit: Int
    /// Whether reaching `limit` ends decoding with the first `limit` bytes (`Inflate.LimitReached`)
    /// rather than failing: to read a header before deciding how much to decompress.
    let stopsAtLimit: Bool

    init(limit: Int, expected: Int, stopsAtLimit: Bool = false) {
        self.limit = max(limit, 0)
        self.stopsAtLimit = stopsAtLimit
        storage = [UInt8](repeating: 0, count: max(min(expected, self.limit), 64))
    }

    /// The output, without a second copy of it.
    mutating func takeBytes() -> [UInt8] {
        storage.removeSubrange(count...)
        return storage
    }

    /// Makes room for `extra` more bytes and returns how many to write: all of them, or when the
    /// buffer stops at its limit, the room left (the caller writes those, then calls `limitReached`).
    /// Storage never grows past `limit`, so a bomb cannot make it allocate more than the limit.
    private mutating func reserve(_ extra: Int) throws -> Int {
        var extra = extra
        if count + extra > limit {
            guard stopsAtLimit else { throw SepCNNError.invalidFile("decompressed data exceeds \(limit) bytes") }
            extra = limit - count
        }
        if count + extra > storage.count {
            storage += [UInt8](repeating: 0, count: min(max(storage.count, count + extra - storage.count), limit - storage.count))
        }
        return extra
    }

    private func limitReached(_ written: Int, of wanted: Int) throws {
        if written < wanted { throw Inflate.LimitReached() }
    }

    @inline(__always) mutating func append(_ byte: UInt8) throws {
        if count >= storage.count || count >= limit {
            try limitReached(try reserve(1), of: 1)
        }
        storage[count] = byte
        count += 1
    }

    mutating func append(_ chunk: UnsafeBufferPointer<UInt8>) throws {
        let n = try reserve(chunk.count)
        let start = count
        storage.withUnsafeMutableBufferPointer { out in
            for i in 0..<n { out[start + i] = chunk[i] }
        }
        count += n
        try limitReached(n, of: chunk.count)
    }

    mutating func copyMatch(distance: Int, length: Int) throws {
        guard distance <= count else { throw Inflate.corrupt("distance \(distance) reaches before the start of the output") }
        let n = try reserve(length)
        let start = count
        storage.withUnsafeMutableBufferPointer { out in
            let p = out.baseAddress!
            // Byte by byte, front to back: when distance < length the copy reads what it just wrote.
            for i in 0..<n { p[start &+ i] = p[start &- distance &+ i] }
        }
        count += n
        try limitReached(n, of: length)
    }
}

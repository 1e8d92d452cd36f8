/// A JPEG Huffman table (ITU T.81 annex C): canonical codes from the DHT marker's 16 length counts,
/// with a 9-bit lookahead table so that most symbols decode with one lookup.
struct JPEGHuffmanTable {
    static let lookaheadBits = 9

    /// `lookahead[bits]` = code length << 8 | symbol for codes of at most `lookaheadBits`; 0 otherwise.
    private(set) var lookahead = [UInt16](repeating: 0, count: 1 << lookaheadBits)
    /// Largest code of each length 1...16 (-1 if none), and the index of that length's first symbol
    /// minus its first code (libjpeg's `maxcode` and `valoffset`).
    private(set) var maxCode = [Int](repeating: -1, count: 17)
    private(set) var valueOffset = [Int](repeating: 0, count: 17)
    let symbols: [UInt8]

    /// `counts[i]` is the number of codes of length `i + 1`.
    init(counts: [Int], symbols: [UInt8]) throws {
        self.symbols = symbols
        var code = 0, index = 0
        for length in 1...16 {
            let count = counts[length - 1]
            valueOffset[length] = index - code
            if count > 0 {
                for _ in 0..<count {
                    // More codes than the length holds (the all-ones code is reserved): libjpeg's JERR_BAD_HUFF_TABLE.
                    guard code < (1 << length) - 1 else {
                        throw SepCNNError.invalidFile("JPEG Huffman table has more codes than its lengths allow")
                    }
                    if length <= Self.lookaheadBits {
                        let shift = Self.lookaheadBits - length
                        let entry = UInt16(length << 8) | UInt16(symbols[index])
                        for fill in 0..<(1 << shift) { lookahead[code << shift | fill] = entry }
                    }
                    code += 1
                    index += 1
                }
                maxCode[length] = code - 1
            }
            code <<= 1
        }
    }

    /// True when every symbol is a valid DC category (0...15), as a DC table's must be.
    var isValidForDC: Bool { symbols.allSatisfy { $0 <= 15 } }
}

/// Reads the entropy-coded bits of a scan: removes the 0x00 stuffed after each 0xFF and stops at a
/// marker. Past a marker or the end of the file it supplies zero bits, as libjpeg does, so corrupt
/// data always ends; `consumedPastEnd` then tells the caller that the file was cut short.
struct JPEGBitReader {
    let bytes: [UInt8]
    /// Next byte to read; at a marker it stays on the marker's 0xFF.
    private(set) var position: Int
    private var buffer: UInt64 = 0
    private var count = 0
    /// Zero bits supplied beyond a marker or the end of the file.
    private var padding = 0
    private(set) var reachedEnd = false
    private var atMarker = false

    init(bytes: [UInt8], position: Int) {
        self.bytes = bytes
        self.position = position
    }

    /// True when zero bits past a marker or the end of the file were decoded, not just prefetched.
    var exhausted: Bool { count < padding }
    /// True when bits past the end of the file were decoded: the file was cut short.
    var consumedPastEnd: Bool { reachedEnd && exhausted }

    private mutating func refill() {
        while count <= 56 {
            var byte: UInt8 = 0
            if atMarker {
                padding += 8
            } else if position >= bytes.count {
                atMarker = true
                reachedEnd = true
                padding += 8
            } else if bytes[position] == 0xFF {
                // FF 00 is a stuffed FF; anything else (including FF fill bytes) starts a marker.
                if position + 1 < bytes.count, bytes[position + 1] == 0 {
                    byte = 0xFF
                    position += 2
                } else {
                    atMarker = true
                    if position + 1 >= bytes.count { reachedEnd = true }
                    padding += 8
                }
            } else {
                byte = bytes[position]
                position += 1
            }
            buffer |= UInt64(byte) << UInt64(56 - count)
            count += 8
        }
    }

    @inline(__always)
    mutating func bits(_ n: Int) -> Int {
        guard n > 0 else { return 0 }
        if count < n { refill() }
        let value = Int(buffer >> UInt64(64 - n))
        buffer <<= UInt64(n)
        count -= n
        return value
    }

    @inline(__always)
    mutating func bit() -> Int { bits(1) }

    /// `n` bits read as a signed value (T.81 F.2.2.1 EXTEND).
    @inline(__always)
    mutating func signedBits(_ n: Int) -> Int {
        guard n > 0 else { return 0 }
        let value = bits(n)
        return value < 1 << (n - 1) ? value - (1 << n) + 1 : value
    }

    /// One symbol; a code that matches nothing decodes as 0, as libjpeg does with its warning.
    @inline(__always)
    mutating func decode(_ table: JPEGHuffmanTable) -> Int {
        if count < 16 { refill() }
        let peek = Int(buffer >> UInt64(64 - JPEGHuffmanTable.lookaheadBits))
        let entry = table.lookahead[peek]
        if entry != 0 {
            let length = Int(entry >> 8)
            buffer <<= UInt64(length)
            count -= length
            return Int(entry & 0xFF)
        }
        var length = JPEGHuffmanTable.lookaheadBits + 1
        var code = Int(buffer >> UInt64(64 - length))
        while code > table.maxCode[length] {
            length += 1
            if length > 16 {
                _ = bits(16)
                return 0
            }
            code = Int(buffer >> UInt64(64 - length))
        }
        buffer <<= UInt64(length)
        count -= length
        return Int(table.symbols[code + table.valueOffset[length]])
    }

    /// At a restart interval's end: drops the partial byte and steps over the RSTn marker that should
    /// come next. Bytes before it are skipped (libjpeg warns); if another marker or the end of the
    /// file comes first, it is left in place and the rest of the scan decodes from zero bits.
    mutating func restart() {
        buffer = 0
        count = 0
        padding = 0
        var p = position
        while p + 1 < bytes.count {
            guard bytes[p] == 0xFF else { p += 1; continue }
            var q = p + 1
            while q < bytes.count && bytes[q] == 0xFF { q += 1 }
            guard q < bytes.count else { break }
            if bytes[q] == 0 { p = q + 1; continue }
            if (0xD0...0xD7).contains(bytes[q]) {
                position = q + 1
                atMarker = false
            } else {
                position = p
                atMarker = true
            }
            return
        }
        position = bytes.count
        atMarker = true
        reachedEnd = true
    }
}

import Foundation

/// gzip decompression (RFC 1952) in pure Swift: header fields, DEFLATE data, CRC-32 and length
/// check, and concatenated members (as `gzip -c a b > c` makes and `gunzip` accepts).
public enum Gzip {
    /// Whether `data` starts with the gzip magic bytes 1f 8b.
    public static func isCompressed(_ data: Data) -> Bool {
        data.count >= 2 && data[data.startIndex] == 0x1F && data[data.startIndex + 1] == 0x8B
    }

    /// The decompressed bytes. Throws `SepCNNError.invalidFile` for a bad header, corrupt or
    /// truncated data, a CRC-32 or length mismatch, trailing garbage, or output over `limit` bytes.
    public static func decompress(_ data: Data, limit: Int = 1 << 32) throws -> [UInt8] {
        try data.withUnsafeBytes { raw in
            let input = raw.bindMemory(to: UInt8.self)
            var output: [UInt8] = []
            var position = 0
            repeat {
                let member = try decompressMember(UnsafeBufferPointer(rebasing: input[position...]), limit: limit - output.count)
                if output.isEmpty { output = member.output } else { output += member.output }
                position += member.consumed
                // Trailing zero bytes (tape padding) are allowed, as GNU gzip allows them.
                if input[position...].allSatisfy({ $0 == 0 }) { break }
            } while true
            return output
        }
    }

    /// The first `count` decompressed bytes (fewer if the first member is shorter), decoding no
    /// further: to read a file's header and so learn how much to decompress. Nothing after them is checked.
    public static func prefix(_ data: Data, count: Int) throws -> [UInt8] {
        try data.withUnsafeBytes { raw in
            let input = raw.bindMemory(to: UInt8.self)
            let start = try memberHeaderLength(input)
            return try Inflate.prefix(UnsafeBufferPointer(rebasing: input[start...]), count: count)
        }
    }

    static func decompressMember(_ input: UnsafeBufferPointer<UInt8>, limit: Int) throws -> (output: [UInt8], consumed: Int) {
        var position = try memberHeaderLength(input)
        let (output, consumed) = try Inflate.decompress(UnsafeBufferPointer(rebasing: input[position...]), limit: limit)
        position += consumed
        guard position + 8 <= input.count else { throw Inflate.truncated }
        func word(_ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(input[at + $1]) << (8 * UInt32($1)) } }
        let crc = output.withUnsafeBufferPointer { CRC32.checksum($0) }
        guard crc == word(position) else {
            throw SepCNNError.invalidFile("gzip data fails its CRC-32 check (stored \(hex32(word(position))), computed \(hex32(crc)))")
        }
        guard UInt32(truncatingIfNeeded: output.count) == word(position + 4) else {
            throw SepCNNError.invalidFile("gzip length check fails: stored \(word(position + 4)), decompressed \(output.count) bytes")
        }
        return (output, position + 8)
    }

    /// The length of the member header at the start of `input`, checked.
    static func memberHeaderLength(_ input: UnsafeBufferPointer<UInt8>) throws -> Int {
        func header(_ what: String) -> SepCNNError { SepCNNError.invalidFile("not a valid gzip stream: \(what)") }
        guard input.count >= 10 else { throw input.count >= 2 && input[0] == 0x1F && input[1] == 0x8B ? Inflate.truncated : header("too short") }
        guard input[0] == 0x1F, input[1] == 0x8B else { throw header("wrong magic bytes \(hex(input[0])) \(hex(input[1]))") }
        guard input[2] == 8 else { throw header("compression method \(input[2]) (only 8, deflate, exists)") }
        let flags = input[3]
        guard flags & 0xE0 == 0 else { throw header("reserved flag bits set") }
        var position = 10
        if flags & 0x04 != 0 {  // FEXTRA
            guard position + 2 <= input.count else { throw Inflate.truncated }
            position += 2 + (Int(input[position]) | Int(input[position + 1]) << 8)
        }
        for flag: UInt8 in [0x08, 0x10] where flags & flag != 0 {  // FNAME, FCOMMENT: zero-terminated
            while position < input.count && input[position] != 0 { position += 1 }
            position += 1
        }
        if flags & 0x02 != 0 { position += 2 }  // FHCRC
        guard position <= input.count else { throw Inflate.truncated }
        return position
    }

    private static func hex(_ byte: UInt8) -> String { String(format: "%02x", byte) }
    private static func hex32(_ word: UInt32) -> String { String(format: "%08x", word) }
}

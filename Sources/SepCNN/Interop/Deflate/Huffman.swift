/// A canonical Huffman code (RFC 1951 §3.2.2) as a single lookup table indexed by the next
/// `maximumLength` input bits (DEFLATE packs codes most-significant bit first, so the table is
/// indexed by the bit-reversed code). An entry is `symbol << 4 | length`; 0 marks bit patterns
/// no code uses (possible in incomplete codes), which decode as an error.
struct HuffmanTable {
    private(set) var entries: [UInt16] = []
    private(set) var maximumLength = 0

    /// Builds the code for symbol lengths `lengths` (0 = unused). Throws for an over-subscribed
    /// set of lengths, which no encoder can produce.
    init(lengths: ArraySlice<UInt8>) throws {
        var countPerLength = [Int](repeating: 0, count: 16)
        for length in lengths { countPerLength[Int(length)] += 1 }
        countPerLength[0] = 0
        var available = 1
        for length in 1...15 {
            available = available * 2 - countPerLength[length]
            guard available >= 0 else { throw SepCNNError.invalidFile("corrupt deflate data: over-subscribed Huffman code") }
        }
        maximumLength = (1...15).last { countPerLength[$0] > 0 } ?? 0
        guard maximumLength > 0 else { entries = [0]; return }
        var nextCode = [Int](repeating: 0, count: 16)
        var code = 0
        for length in 1...15 {
            code = (code + countPerLength[length - 1]) << 1
            nextCode[length] = code
        }
        entries = [UInt16](repeating: 0, count: 1 << maximumLength)
        for (symbol, length) in lengths.enumerated() where length > 0 {
            let length = Int(length)
            let code = nextCode[length]
            nextCode[length] += 1
            var reversed = 0
            for bit in 0..<length where code & (1 << bit) != 0 { reversed |= 1 << (length - 1 - bit) }
            let entry = UInt16(symbol << 4 | length)
            var index = reversed
            while index < entries.count {
                entries[index] = entry
                index += 1 << length
            }
        }
    }
}

/// Places the plan's intermediate values in one arena so that values whose lifetimes do not
/// overlap share memory: after the first call, running the plan allocates nothing.
///
/// Values are created in step order and die after their last reader. Each new value takes the
/// first free block that fits, else the arena grows. Greedy first fit: for a chain of layers it
/// settles on two or three alternating blocks, as a hand-written ping-pong would.
struct BufferPlanner {
    private(set) var offsets: [Int] = []
    /// Bytes, as every offset.
    private(set) var arenaByteCount = 0
    private var free: [(offset: Int, count: Int)] = []
    private var sizes: [Int] = []

    /// Reserves space for a value of `byteCount` bytes and returns its id.
    mutating func allocate(byteCount: Int) -> Int {
        let size = (max(byteCount, 1) + 63) & ~63  // every block starts on a cache line: aligned vector loads
        if let index = free.indices.filter({ free[$0].count >= size }).min(by: { free[$0].count < free[$1].count }) {
            let block = free.remove(at: index)
            if block.count > size { free.append((block.offset + size, block.count - size)) }
            offsets.append(block.offset)
        } else {
            offsets.append(arenaByteCount)
            arenaByteCount += size
        }
        sizes.append(size)
        return offsets.count - 1
    }

    /// Returns a value's space once nothing reads it any more.
    mutating func release(_ value: Int) {
        free.append((offsets[value], sizes[value]))
        // Merge neighbours so large later values can reuse several small freed ones.
        free.sort { $0.offset < $1.offset }
        var merged: [(offset: Int, count: Int)] = []
        for block in free {
            if let last = merged.last, last.offset + last.count == block.offset {
                merged[merged.count - 1].count += block.count
            } else {
                merged.append(block)
            }
        }
        free = merged
    }
}

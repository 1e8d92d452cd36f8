import CPUFeatures

/// The B operand of `gemmPacked` (k × n, e.g. the [Cin, Cout] weights of a pointwise convolution),
/// packed once, e.g. when a model is loaded. Layout (drawing in Docs/gemm-packing.md):
///
/// - B's columns are cut into panels of `panelWidth` columns (16, 32, 48 or 64, chosen from n).
///   The last panel is only as wide as it needs to be, rounded up to 8: n = 80 with 64-wide panels
///   gives a 64 panel and a 16 panel; n = 24 gives one 24 panel.
/// - A panel of width 16·v holds, for p = 0..<k, the panel's columns of row p of B, zero-padded to
///   the width: element (p, j) of the panel that starts at column j0 is at `k·j0 + p·width + (j − j0)`.
/// - A panel of width 16·v + 8 (a "half" panel; only ever the last one) stores k in pairs. Per pair
///   (p, p + 1), at `k·j0 + p·width`: the 16·v full columns of row p, those of row p + 1, then the
///   last 8 columns of rows p and p + 1 interleaved, [B(p, c), B(p+1, c), B(p, c+1), B(p+1, c+1), …].
///   One FMA with the broadcast pair (A[i, p], A[i, p+1]) then does 16 useful products instead of 8.
///   An odd last p has no p + 1: zeros stand in for it.
///
/// Either way a panel is streamed front to back, and the panel starting at column j0 starts at
/// `storage + k·j0`. Owns its storage (64-byte aligned); immutable after init, so one instance can
/// be shared by any number of threads.
final class PackedGEMMWeights: @unchecked Sendable {
    let k: Int
    let n: Int
    /// Columns per panel (16, 32, 48 or 64); every panel but the last has exactly this width.
    let panelWidth: Int
    /// Floats in `storage`.
    let count: Int
    let storage: UnsafeMutablePointer<Float>

    init(k: Int, n: Int, b: UnsafePointer<Float>, ldb: Int) {
        precondition(k >= 0 && n >= 0 && ldb >= n, "PackedGEMMWeights: bad shape k \(k), n \(n), ldb \(ldb)")
        self.k = k
        self.n = n
        let nr = PackedGEMMWeights.panelWidth(forColumns: n)
        panelWidth = nr
        // k·width per panel; a half panel with odd k takes 8 more, within the rounding of n to 16.
        count = k &* ((n &+ 15) & ~15) &+ 16
        let raw = UnsafeMutableRawPointer.allocate(byteCount: count &* MemoryLayout<Float>.stride, alignment: 64)
        storage = raw.bindMemory(to: Float.self, capacity: count)
        storage.initialize(repeating: 0, count: count)
        var j0 = 0
        while j0 < n {
            let width = PackedGEMMWeights.width(ofPanelAt: j0, n: n, panelWidth: nr)
            let valid = min(width, n &- j0)
            let panel = storage + (k &* j0)
            if width & 8 == 0 {
                for p in 0..<k {
                    (panel + (p &* width)).update(from: b + (p &* ldb &+ j0), count: valid)
                }
            } else {
                let full = width &- 8, halfValid = valid &- full
                var p = 0
                while p < k {
                    let block = panel + (p &* width)
                    let rowsHere = p &+ 1 < k ? 2 : 1
                    for q in 0..<rowsHere {
                        let row = b + ((p &+ q) &* ldb &+ j0)
                        (block + (q &* full)).update(from: row, count: min(full, valid))
                        let interleaved = block + (rowsHere &* full)
                        for j in 0..<halfValid { interleaved[2 &* j &+ q] = row[full &+ j] }
                    }
                    p &+= 2
                }
            }
            j0 &+= nr
        }
    }

    deinit {
        storage.deinitialize(count: count)
        UnsafeMutableRawPointer(storage).deallocate()
    }

    /// Column boundaries at which work may be split between threads: the multiples of `panelWidth`
    /// below n, then n (so [n] when there is one panel). With 0 in front, any increasing subsequence
    /// cut into consecutive pairs gives disjoint `columns` ranges for `gemmPacked` that cover 0..<n.
    /// This allocates an array: call it when planning, not per call. The cheap rule it follows:
    /// a valid bound is 0, n, or any multiple of `panelWidth` below n.
    var columnSplitPoints: [Int] {
        guard n > 0 else { return [0] }
        return Array(stride(from: panelWidth, to: n, by: panelWidth)) + [n]
    }

    /// The panel width for n columns.
    ///
    /// AVX-512 builds: 16 for n ≤ 16, 32 for n ≤ 32, 48 for n ≤ 48; above that the widest of 64, 48,
    /// 32 that divides n, else the widest of 64, 48 whose last panel still has ≥ 32 columns, else 32.
    /// Wide panels need fewer A broadcasts per FMA (tiles: 16 → 14×16, 32 → 9×32, 48 → 8×48,
    /// 64 → 6×64 rows × columns). Other builds (AVX2 and below, where SIMD16 is 2 or 4 registers):
    /// always 16, where the 14×16 tile measured fastest.
    static func panelWidth(forColumns n: Int) -> Int {
        if SEPCNN_HAS_AVX512F == 0 || n <= 16 { return 16 }
        if n <= 32 { return 32 }
        if n <= 48 { return 48 }
        for w in [64, 48, 32] where n % w == 0 { return w }
        for w in [64, 48] where n % w >= 32 { return w }
        return 32
    }

    /// Width of the panel starting at column j0 (a multiple of panelWidth below n): panelWidth, or
    /// for the last panel its column count rounded up to 8. An odd multiple of 8 is a half panel.
    @inline(__always)
    static func width(ofPanelAt j0: Int, n: Int, panelWidth: Int) -> Int {
        let rest = n &- j0
        return rest >= panelWidth ? panelWidth : (rest &+ 7) & ~7
    }
}

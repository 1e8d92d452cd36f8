/// The B operand of `qs8GEMMPacked` (int8 weights k × n, e.g. a pointwise convolution's [Cin, Cout])
/// with everything its epilogue needs, packed once. Layout (Docs/int8-kernels.md):
///
/// - k is cut into groups of 4 (kGroups = ⌈k/4⌉; the missing k of a last partial group are zero weights).
/// - Columns are cut into panels of `panelWidth` (16, 32, 48 or 64) columns; the last panel is its
///   column count rounded up to 16, the extra columns zero.
/// - Within the panel that starts at column j0 and is w wide, element (p, j) is at
///   `4·kGroups·j0 + (p / 4)·4w + (j − j0)·4 + p % 4`: per k group, w columns of 4 consecutive k,
///   which is one vpdpbusd operand per 16 columns.
///
/// `bias[j]` is the folded int32 bias (see `init`), `multipliers[j]` the requantization multiplier,
/// both padded with zeros to the panels' width. Immutable after init: shared by any number of threads.
final class QS8PackedGEMMWeights: @unchecked Sendable {
    let k: Int, n: Int
    let kGroups: Int
    let panelWidth: Int
    /// Columns rounded up to 16: the length of `bias` and `multipliers`.
    let paddedColumns: Int
    let storage: UnsafeMutablePointer<Int8>
    let bias: UnsafeMutablePointer<Int32>
    let multipliers: UnsafeMutablePointer<Float>
    let clamp: QS8OutputClamp

    /// `b` is int8 k × n with row stride `ldb`, weights in [−127, 127]. `bias` holds n int32 values at
    /// scale s_in · s_w[j] (`qs8QuantizeBias`), `multipliers` n values s_in · s_w[j] / s_out.
    ///
    /// The zero points are folded into the bias, so the kernels never subtract one. With activations
    /// a (zero point z_in) read as u = a + 128 (XOR 0x80, vpdpbusd's unsigned operand):
    /// Σ_p (a[p] − z_in) · w[p][j] = Σ_p u[p] · w[p][j] − (128 + z_in) · Σ_p w[p][j], so
    /// bias'[j] = bias[j] − (128 + z_in) · Σ_p w[p][j].
    init(k: Int, n: Int, b: UnsafePointer<Int8>, ldb: Int, bias: [Int32], multipliers: [Float],
         inputZeroPoint: Int8, clamp: QS8OutputClamp) {
        precondition(k > 0 && n > 0 && ldb >= n, "QS8PackedGEMMWeights: bad shape k \(k), n \(n), ldb \(ldb)")
        self.k = k
        self.n = n
        kGroups = (k &+ 3) / 4
        panelWidth = QS8PackedGEMMWeights.panelWidth(forColumns: n)
        paddedColumns = (n &+ 15) & ~15
        self.clamp = clamp
        let count = 4 &* kGroups &* paddedColumns
        storage = UnsafeMutableRawPointer.allocate(byteCount: count, alignment: 64).bindMemory(to: Int8.self, capacity: count)
        storage.initialize(repeating: 0, count: count)
        self.bias = UnsafeMutableRawPointer.allocate(byteCount: 4 &* paddedColumns, alignment: 64)
            .bindMemory(to: Int32.self, capacity: paddedColumns)
        self.bias.initialize(repeating: 0, count: paddedColumns)
        self.multipliers = UnsafeMutableRawPointer.allocate(byteCount: 4 &* paddedColumns, alignment: 64)
            .bindMemory(to: Float.self, capacity: paddedColumns)
        self.multipliers.initialize(repeating: 0, count: paddedColumns)
        let offset = 128 &+ Int32(inputZeroPoint)
        for j in 0..<n {
            var sum: Int32 = 0
            for p in 0..<k { sum &+= Int32(b[p &* ldb &+ j]) }
            self.bias[j] = bias[j] &- offset &* sum
            self.multipliers[j] = multipliers[j]
        }
        var j0 = 0
        while j0 < n {
            let w = width(ofPanelAt: j0)
            let panel = storage + 4 &* kGroups &* j0
            for p in 0..<k {
                for j in j0..<min(n, j0 &+ w) {
                    panel[(p / 4) &* 4 &* w &+ (j &- j0) &* 4 &+ p % 4] = b[p &* ldb &+ j]
                }
            }
            j0 &+= panelWidth
        }
    }

    deinit {
        storage.deallocate()
        bias.deallocate()
        multipliers.deallocate()
    }

    /// Width of the panel starting at j0 (a multiple of panelWidth below n).
    @inline(__always)
    func width(ofPanelAt j0: Int) -> Int { min(panelWidth, (n &- j0 &+ 15) & ~15) }

    /// 16, 32 or 48 for n up to that; above, the widest of 64, 48, 32 that divides n, else the widest of
    /// 64, 48 whose last panel still has ≥ 32 columns, else 32 (the float rule, with 16-column steps).
    static func panelWidth(forColumns n: Int) -> Int {
        if n <= 16 { return 16 }
        if n <= 32 { return 32 }
        if n <= 48 { return 48 }
        for w in [64, 48, 32] where n % w == 0 { return w }
        for w in [64, 48] where n % w >= 32 { return w }
        return 32
    }
}

/// What a qs8 microkernel needs after its k loop, at the tile's first column.
struct QS8GEMMEpilogue {
    var bias: UnsafePointer<Int32>
    var multipliers: UnsafePointer<Float>
    var clamp: QS8OutputClamp
    /// Valid columns of the tile, 1...width; columns past it are not written.
    var cols: Int
}

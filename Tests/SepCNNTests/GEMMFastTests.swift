import Testing
@testable import SepCNN

/// Randomized comparisons of the packed, register-blocked GEMM (gemmPacked) against gemmReference.
/// Tolerance: |x − ref| ≤ 1e-4 · (1 + |ref|) per element (float32 sums of at most ~1000 products of
/// unit-normal numbers, summed in a different order by the two kernels).
/// Every element of C outside the computed (rows, columns) block must keep its sentinel value.
@Suite struct GEMMFastTests {
    struct Case: CustomStringConvertible, Sendable {
        var m: Int, k: Int, n: Int
        var lda: Int, ldc: Int
        var rows: Range<Int>, columnSplits: (Int, Int)   // indices into columnSplitPoints, (-1 = 0)
        var activation: Activation
        var bias: Bool
        var description: String {
            "M\(m) K\(k) N\(n) lda \(lda) ldc \(ldc) rows \(rows) splits \(columnSplits) \(activation) bias \(bias)"
        }
    }

    static let awkward = [1, 2, 3, 7, 8, 15, 16, 17, 23, 24, 25, 31, 33, 47, 48, 49, 63, 64, 65, 95, 97, 129, 143, 200, 300]

    /// Runs one case and returns the number of mismatches (0 = pass), with the first few described.
    static func check(_ t: Case, seed: UInt64) -> (Int, [String]) {
        var r = RandomGenerator(seed: seed)
        let a = (0..<max(t.m * t.lda, 1)).map { _ in r.normal() }
        let ldb = t.n + Int(r.next() % 3)
        let b = (0..<max(t.k * ldb, 1)).map { _ in r.normal() }
        let bias = (0..<max(t.n, 1)).map { _ in r.normal() }
        let sentinel: Float = -12345.5
        var c = [Float](repeating: sentinel, count: max(t.m * t.ldc, 1))
        var ref = [Float](repeating: 0, count: max(t.m * t.n, 1))
        let packed = b.withUnsafeBufferPointer { PackedGEMMWeights(k: t.k, n: t.n, b: $0.baseAddress!, ldb: ldb) }
        let splits = [0] + packed.columnSplitPoints
        let columns = splits[t.columnSplits.0 + 1]..<splits[t.columnSplits.1 + 1]
        a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in bias.withUnsafeBufferPointer { bias in
            ref.withUnsafeMutableBufferPointer { ref in
                gemmReference(m: t.m, n: t.n, k: t.k, a: a.baseAddress!, lda: t.lda, b: b.baseAddress!, ldb: ldb,
                              bias: t.bias ? bias.baseAddress! : nil, activation: t.activation, c: ref.baseAddress!, ldc: t.n)
            }
            c.withUnsafeMutableBufferPointer { c in
                gemmPacked(rows: t.rows, columns: columns, a: a.baseAddress!, lda: t.lda, packed: packed,
                           bias: t.bias ? bias.baseAddress! : nil, activation: t.activation, c: c.baseAddress!, ldc: t.ldc)
            }
        } } }
        var bad = 0
        var notes: [String] = []
        for i in 0..<t.m {
            for j in 0..<t.ldc {
                let got = c[i * t.ldc + j]
                if t.rows.contains(i) && columns.contains(j) {
                    let want = ref[i * t.n + j]
                    if !(abs(got - want) <= 1e-4 * (1 + abs(want))) {
                        bad += 1
                        if notes.count < 4 { notes.append("C[\(i), \(j)] = \(got), reference \(want)") }
                    }
                } else if got != sentinel {
                    bad += 1
                    if notes.count < 4 { notes.append("C[\(i), \(j)] outside rows \(t.rows) / columns \(columns) was written") }
                }
            }
        }
        return (bad, notes)
    }

    /// How many split points (columnSplitPoints.count) n columns have.
    static func splitPointCount(_ n: Int) -> Int {
        let w = PackedGEMMWeights.panelWidth(forColumns: n)
        return (n + w - 1) / w
    }

    static func randomCases(count: Int, seed: UInt64, maxSize: Int) -> [Case] {
        var r = RandomGenerator(seed: seed)
        func pick(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(r.next() % UInt64(range.count)) }
        func size() -> Int {
            let s = pick(0...2) == 0 ? pick(1...maxSize) : awkward[pick(0...(awkward.count - 1))]
            return min(s, maxSize)
        }
        var cases: [Case] = []
        for i in 0..<count {
            let m = size(), k = size(), n = size()
            let lda = k + (pick(0...1) == 0 ? 0 : pick(1...9))
            let ldc = n + (pick(0...1) == 0 ? 0 : pick(1...9))
            var rows = 0..<m
            if pick(0...2) == 0 { let lo = pick(0...(m - 1)); rows = lo..<pick((lo + 1)...m) }
            let points = splitPointCount(n)
            var splits = (-1, points - 1)
            if points > 1 && pick(0...2) == 0 { let lo = pick(-1...(points - 2)); splits = (lo, pick((lo + 1)...(points - 1))) }
            let activation = Activation.allCases[i % Activation.allCases.count]
            cases.append(Case(m: m, k: k, n: n, lda: lda, ldc: ldc, rows: rows, columnSplits: splits,
                              activation: activation, bias: pick(0...3) != 0))
        }
        return cases
    }

    @Test(arguments: randomCases(count: 160, seed: 21, maxSize: 300))
    func matchesReference(_ t: Case) {
        let (bad, notes) = Self.check(t, seed: UInt64(t.m * 1_000_003 + t.k * 1009 + t.n))
        #expect(bad == 0, "\(bad) mismatches: \(notes.joined(separator: "; "))")
    }

    /// Every panel width and tile: every N from 1 to 200 with a few row counts, all activations.
    @Test func everyColumnCount() {
        var failures: [String] = []
        for n in 1...200 {
            let m = [1, 5, 13, 49][n % 4]
            let t = Case(m: m, k: 1 + n % 37, n: n, lda: 1 + n % 37, ldc: n + n % 3, rows: 0..<m, columnSplits: (-1, 0),
                         activation: Activation.allCases[n % Activation.allCases.count], bias: n % 5 != 0)
            var full = t
            full.columnSplits = (-1, Self.splitPointCount(n) - 1)
            let (bad, notes) = Self.check(full, seed: UInt64(n))
            if bad > 0 { failures.append("\(full): \(notes.first ?? "")") }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    /// Every row count (1...14) of every tile width (8, 16, ..., 64: full panels, narrower last
    /// panels and half panels), each activation in turn, and K = 1101, which runs 3 K blocks
    /// accumulating through C (the last one odd).
    @Test(arguments: [8, 16, 24, 32, 40, 48, 56, 64, 80, 120, 136])
    func everyRowCountAndKBlocks(n: Int) {
        for m in Array(1...14) + [17, 29] {
            let k = m % 4 == 0 ? 1101 : 40 + m
            let t = Case(m: m, k: k, n: n, lda: k + 3, ldc: n + 5, rows: 0..<m,
                         columnSplits: (-1, Self.splitPointCount(n) - 1),
                         activation: Activation.allCases[(m + n / 16) % Activation.allCases.count], bias: m % 3 != 0)
            let (bad, notes) = Self.check(t, seed: UInt64(m * 7 + n))
            #expect(bad == 0, "\(t): \(bad) mismatches: \(notes.joined(separator: "; "))")
        }
    }

    /// The threading contract: disjoint (rows, columns) blocks at split points, computed by
    /// separate calls in any order, together give the whole product.
    @Test(arguments: [(49, 960, 320), (100, 37, 200), (7, 64, 24), (33, 16, 1000)])
    func disjointBlocksMakeTheWhole(shape: (Int, Int, Int)) {
        let (m, k, n) = shape
        var r = RandomGenerator(seed: UInt64(m + n))
        let a = (0..<(m * k)).map { _ in r.normal() }, b = (0..<(k * n)).map { _ in r.normal() }
        let bias = (0..<n).map { _ in r.normal() }
        var whole = [Float](repeating: 0, count: m * n), parts = [Float](repeating: .nan, count: m * n)
        let packed = b.withUnsafeBufferPointer { PackedGEMMWeights(k: k, n: n, b: $0.baseAddress!, ldb: n) }
        let points = packed.columnSplitPoints
        let columnCuts = [0, points[(points.count - 1) / 2] == n ? 0 : points[(points.count - 1) / 2], n]
        let rowCuts = [0, m / 3, m]
        a.withUnsafeBufferPointer { a in bias.withUnsafeBufferPointer { bias in
            whole.withUnsafeMutableBufferPointer { c in
                gemmPacked(rows: 0..<m, columns: 0..<n, a: a.baseAddress!, lda: k, packed: packed,
                           bias: bias.baseAddress!, activation: .relu6, c: c.baseAddress!, ldc: n)
            }
            parts.withUnsafeMutableBufferPointer { c in
                for ri in (0..<2).reversed() { for ci in 0..<2 {
                    gemmPacked(rows: rowCuts[ri]..<rowCuts[ri + 1], columns: columnCuts[ci]..<columnCuts[ci + 1],
                               a: a.baseAddress!, lda: k, packed: packed, bias: bias.baseAddress!,
                               activation: .relu6, c: c.baseAddress!, ldc: n)
                } }
            }
        } }
        // Row splits change which microkernels run (and so the summation order of small tiles).
        let bad = zip(whole, parts).filter { !(abs($0 - $1) <= 1e-4 * (1 + abs($0))) }.count
        #expect(bad == 0, "\(bad) elements differ")
    }

    /// K = 0: C = act(bias), or act(0).
    @Test func emptyK() {
        for activation in Activation.allCases {
            let (bad, notes) = Self.check(Case(m: 3, k: 0, n: 20, lda: 1, ldc: 20, rows: 0..<3, columnSplits: (-1, 0),
                                              activation: activation, bias: true), seed: 5)
            #expect(bad == 0, "\(notes)")
        }
    }

    /// Split points: multiples of the panel width, ending at n; adjacent ranges tile the columns.
    @Test func splitPoints() {
        for n in [1, 16, 17, 24, 64, 80, 144, 200, 960, 1000] {
            let p = PackedGEMMWeights(k: 1, n: n, b: [Float](repeating: 1, count: n), ldb: n)
            let s = p.columnSplitPoints
            #expect(s.last == n)
            #expect(s.dropLast().allSatisfy { $0 % p.panelWidth == 0 && $0 > 0 && $0 < n })
            #expect(zip(s, s.dropFirst()).allSatisfy { $0 < $1 })
            #expect(p.panelWidth % 16 == 0 && (16...64).contains(p.panelWidth))
        }
    }
}

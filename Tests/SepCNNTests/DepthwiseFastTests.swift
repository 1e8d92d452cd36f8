import Testing
@testable import SepCNN

/// `depthwiseConv2DFast` against `depthwiseConv2DReference`, over random and MobileNet-like geometries.
///
/// Tolerance: |fast − reference| ≤ 1e-4 · (1 + |reference|). Both sum at most 49 float32 products
/// per output, only in different orders, so they agree far more closely than that.
@Suite struct DepthwiseFastTests {
    struct Case: CustomStringConvertible, Sendable {
        var g: ConvGeometry
        var activation: Activation
        var bias: Bool
        /// Rows to compute, as a fraction of the flattened (image, row) range: the whole range, or a sub-range.
        var rows: Rows = .all
        /// Floats the input pointer is moved off a 64-byte boundary (exercises the channel-block realignment).
        var inputOffset = 0

        enum Rows: Sendable { case all, middle, split }

        var description: String {
            "N\(g.batch) \(g.inputHeight)×\(g.inputWidth)×\(g.inputChannels)→\(g.outputChannels) "
                + "k\(g.kernelHeight)×\(g.kernelWidth) s\(g.strideHeight),\(g.strideWidth) "
                + "d\(g.dilationHeight),\(g.dilationWidth) pad t\(g.padTop) l\(g.padLeft) "
                + "out \(g.outputHeight)×\(g.outputWidth) \(activation)\(bias ? " bias" : "") \(rows) +\(inputOffset)"
        }
    }

    /// A geometry with explicit padding on each side; nil when the padded input is smaller than the
    /// dilated kernel.
    static func geometry(batch: Int = 1, h: Int, w: Int, c: Int, m: Int = 1, kh: Int, kw: Int,
                         sh: Int, sw: Int, dh: Int = 1, dw: Int = 1,
                         top: Int, bottom: Int, left: Int, right: Int) -> ConvGeometry? {
        let eh = (kh - 1) * dh + 1, ew = (kw - 1) * dw + 1
        guard h + top + bottom >= eh, w + left + right >= ew else { return nil }
        return ConvGeometry(batch: batch, inputHeight: h, inputWidth: w, inputChannels: c,
                            outputHeight: (h + top + bottom - eh) / sh + 1, outputWidth: (w + left + right - ew) / sw + 1,
                            outputChannels: c * m, kernelHeight: kh, kernelWidth: kw, strideHeight: sh, strideWidth: sw,
                            dilationHeight: dh, dilationWidth: dw, padTop: top, padLeft: left, groups: c)
    }

    /// TensorFlow 'same' padding for a square kernel: the odd pixel goes bottom/right.
    static func same(h: Int, w: Int, c: Int, k: Int, s: Int, batch: Int = 1) -> ConvGeometry {
        func pads(_ n: Int) -> (Int, Int) {
            let out = (n + s - 1) / s, total = max((out - 1) * s + k - n, 0)
            return (total / 2, total - total / 2)
        }
        let (t, b) = pads(h), (l, r) = pads(w)
        return geometry(batch: batch, h: h, w: w, c: c, kh: k, kw: k, sh: s, sw: s, top: t, bottom: b, left: l, right: r)!
    }

    static func randomCases(count: Int, seed: UInt64) -> [Case] {
        var r = RandomGenerator(seed: seed)
        func pick(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(r.next() % UInt64(range.count)) }
        var cases: [Case] = []
        while cases.count < count {
            let i = cases.count
            // Mostly small channel counts around the 16-lane block size, sometimes a large one.
            let c = pick(0...9) == 0 ? [48, 64, 144][pick(0...2)] : pick(1...40)
            let kh = pick(1...7), kw = pick(0...2) == 0 ? pick(1...7) : kh
            let g = geometry(batch: pick(1...3), h: pick(1...11), w: pick(1...13), c: c, m: pick(0...2) == 0 ? pick(2...3) : 1,
                             kh: kh, kw: kw, sh: pick(1...3), sw: pick(1...3),
                             dh: pick(0...3) == 0 ? pick(2...3) : 1, dw: pick(0...3) == 0 ? pick(2...3) : 1,
                             // Up to 5 on a side: more than the kernel overlaps, so some windows are all padding.
                             top: pick(0...5), bottom: pick(0...5), left: pick(0...5), right: pick(0...5))
            guard let g else { continue }
            let rows: Case.Rows = [.all, .middle, .split][i % 3]
            cases.append(Case(g: g, activation: Activation.allCases[i % Activation.allCases.count], bias: i % 2 == 0,
                              rows: rows, inputOffset: i % 5 == 0 ? pick(1...15) : 0))
        }
        return cases
    }

    /// Random geometries that select the 3×3 and 5×5 tiled kernels (multiplier 1, dilation 1, horizontal
    /// stride 1 or 2), so their edge and tile-splitting logic meets odd widths and wide padding too.
    static func randomTiledCases(count: Int, seed: UInt64) -> [Case] {
        var r = RandomGenerator(seed: seed)
        func pick(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(r.next() % UInt64(range.count)) }
        var cases: [Case] = []
        while cases.count < count {
            let i = cases.count
            let k = pick(0...1) == 0 ? 3 : 5
            let c = [1, 7, 16, 17, 24, 33, 40, 64, 80][pick(0...8)]
            let g = geometry(batch: pick(1...2), h: pick(1...12), w: pick(1...30), c: c, kh: k, kw: k,
                             sh: pick(1...3), sw: pick(1...2),
                             top: pick(0...k), bottom: pick(0...k), left: pick(0...k), right: pick(0...k))
            guard let g else { continue }
            cases.append(Case(g: g, activation: Activation.allCases[i % Activation.allCases.count], bias: i % 3 != 0,
                              rows: [.all, .middle, .split][i % 3], inputOffset: i % 4 == 1 ? pick(1...15) : 0))
        }
        return cases
    }

    /// MobileNet-like channel counts and strides for the specialised paths, with small images so a debug
    /// build stays fast. Widths like 7, 14 and 28 split into tiles of 7; 8 and 16 into tiles of 8.
    static let mobileNetCases: [Case] = {
        var cases: [Case] = []
        let shapes: [(h: Int, w: Int, c: Int, k: Int, s: Int)] = [
            (16, 16, 32, 3, 1), (14, 14, 96, 3, 2), (8, 8, 144, 3, 1), (9, 9, 144, 3, 2), (7, 7, 192, 3, 1),
            (6, 6, 384, 3, 1), (7, 7, 960, 3, 1), (28, 28, 16, 3, 1), (14, 14, 40, 5, 1), (7, 7, 240, 5, 1),
            (12, 12, 72, 5, 2), (14, 14, 120, 5, 2), (3, 3, 576, 3, 1), (4, 4, 32, 5, 1), (2, 3, 48, 3, 1),
        ]
        for (i, s) in shapes.enumerated() {
            let activation: Activation = [.relu6, .hardSwish, .linear, .relu, .silu][i % 5]
            // PyTorch-style symmetric padding k/2 …
            cases.append(Case(g: geometry(h: s.h, w: s.w, c: s.c, kh: s.k, kw: s.k, sh: s.s, sw: s.s,
                                          top: s.k / 2, bottom: s.k / 2, left: s.k / 2, right: s.k / 2)!,
                              activation: activation, bias: true, rows: [.all, .split, .middle][i % 3]))
            // … and TensorFlow 'same', which pads only bottom/right at stride 2 on even sizes.
            cases.append(Case(g: same(h: s.h, w: s.w, c: s.c, k: s.k, s: s.s, batch: 1 + i % 2),
                              activation: activation, bias: i % 2 == 0, inputOffset: i % 3 == 0 ? 4 : 0))
        }
        return cases
    }()

    static let edgeCases: [Case] = [
        // 1×1 images, a 1×1 kernel, a kernel bigger than the image, windows entirely in padding.
        Case(g: geometry(h: 1, w: 1, c: 1, kh: 1, kw: 1, sh: 1, sw: 1, top: 0, bottom: 0, left: 0, right: 0)!,
             activation: .linear, bias: false),
        Case(g: geometry(h: 1, w: 1, c: 20, kh: 3, kw: 3, sh: 1, sw: 1, top: 1, bottom: 1, left: 1, right: 1)!,
             activation: .relu, bias: true),
        Case(g: geometry(h: 2, w: 3, c: 17, kh: 5, kw: 5, sh: 1, sw: 1, top: 2, bottom: 2, left: 2, right: 2)!,
             activation: .relu6, bias: true),
        Case(g: geometry(h: 2, w: 3, c: 32, kh: 3, kw: 3, sh: 2, sw: 2, top: 4, bottom: 4, left: 4, right: 4)!,
             activation: .hardSwish, bias: true, rows: .split),
        Case(g: geometry(batch: 3, h: 3, w: 2, c: 5, m: 3, kh: 7, kw: 7, sh: 1, sw: 1, top: 3, bottom: 3, left: 3, right: 3)!,
             activation: .sigmoid, bias: true, rows: .middle),
        // Valid padding, a 1×1 kernel with stride 3, dilation larger than the image.
        Case(g: geometry(h: 9, w: 10, c: 144, kh: 1, kw: 1, sh: 3, sw: 3, top: 0, bottom: 0, left: 0, right: 0)!,
             activation: .hardSigmoid, bias: true),
        Case(g: geometry(h: 4, w: 4, c: 16, kh: 3, kw: 3, sh: 1, sw: 1, dh: 3, dw: 3, top: 3, bottom: 3, left: 3, right: 3)!,
             activation: .silu, bias: false, rows: .split),
        // Wide rows: many tiles, ragged channel blocks.
        Case(g: geometry(h: 3, w: 61, c: 23, kh: 3, kw: 3, sh: 1, sw: 1, top: 1, bottom: 1, left: 1, right: 1)!,
             activation: .relu, bias: true),
        Case(g: geometry(h: 5, w: 45, c: 960, kh: 3, kw: 3, sh: 2, sw: 2, top: 1, bottom: 0, left: 0, right: 1)!,
             activation: .linear, bias: true, rows: .middle, inputOffset: 12),
        Case(g: geometry(h: 3, w: 33, c: 144, kh: 5, kw: 5, sh: 2, sw: 2, top: 2, bottom: 2, left: 2, right: 2)!,
             activation: .relu6, bias: false, inputOffset: 8),
        // Stride 1 horizontally, 3 vertically; non-square kernels go to the general path.
        Case(g: geometry(h: 10, w: 9, c: 40, kh: 3, kw: 3, sh: 3, sw: 1, top: 1, bottom: 1, left: 1, right: 1)!,
             activation: .relu, bias: true),
        Case(g: geometry(h: 6, w: 9, c: 33, kh: 1, kw: 5, sh: 1, sw: 2, top: 0, bottom: 0, left: 2, right: 2)!,
             activation: .linear, bias: true),
        Case(g: geometry(h: 8, w: 8, c: 64, m: 2, kh: 3, kw: 3, sh: 1, sw: 1, top: 1, bottom: 1, left: 1, right: 1)!,
             activation: .relu6, bias: true, rows: .split),
    ]

    /// Runs the fast kernel on `c.rows` and checks those rows against the reference and every other
    /// float of the output (and of the input and weights) against what was there before.
    static func check(_ c: Case) {
        let g = c.g
        var r = RandomGenerator(seed: UInt64(g.inputCount &* 31 &+ g.outputCount))
        let offset = c.inputOffset
        // Input placed `offset` floats past a 64-byte boundary.
        let inputStorage = UnsafeMutableRawPointer.allocate(byteCount: (g.inputCount + 16) * 4, alignment: 64)
        defer { inputStorage.deallocate() }
        let input = inputStorage.bindMemory(to: Float.self, capacity: g.inputCount + 16) + offset
        for i in 0..<g.inputCount { input[i] = r.normal() }
        let weights = (0..<(g.kernelHeight * g.kernelWidth * g.outputChannels)).map { _ in r.normal() }
        let bias = (0..<g.outputChannels).map { _ in r.normal() }
        let inputCopy = Array(UnsafeBufferPointer(start: input, count: g.inputCount))

        var expected = [Float](repeating: 0, count: g.outputCount)
        weights.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                depthwiseConv2DReference(g, input: input, weights: w.baseAddress!, bias: c.bias ? b.baseAddress! : nil,
                                         activation: c.activation, output: &expected)
            }
        }

        let totalRows = g.batch * g.outputHeight
        let ranges: [Range<Int>]
        switch c.rows {
        case .all: ranges = [0..<totalRows]
        case .middle: ranges = [totalRows / 3 ..< max(totalRows / 3, totalRows - totalRows / 3)]
        case .split:
            // Uneven pieces, each run with its own scratch, as threads would.
            let a = totalRows / 3, b = a + (totalRows - a) / 2
            ranges = [0..<a, a..<b, b..<totalRows]
        }
        let sentinel: Float = -12345.5
        var output = [Float](repeating: sentinel, count: g.outputCount)
        let scratchCount = depthwiseScratchCount(g)
        for range in ranges {
            // Scratch starts as garbage: the kernel must not rely on it being zeroed.
            var scratch = [Float](repeating: .nan, count: max(scratchCount, 1))
            weights.withUnsafeBufferPointer { w in
                bias.withUnsafeBufferPointer { b in
                    depthwiseConv2DFast(g, input: input, weights: w.baseAddress!, bias: c.bias ? b.baseAddress! : nil,
                                        activation: c.activation, output: &output, rows: range, scratch: &scratch)
                }
            }
        }

        let rowFloats = g.outputWidth * g.outputChannels
        let covered = ranges.reduce(into: Set<Int>()) { $0.formUnion($1) }
        var mismatches = 0, untouchedViolations = 0
        for row in 0..<totalRows {
            for i in row * rowFloats ..< (row + 1) * rowFloats {
                if covered.contains(row) {
                    if !(abs(output[i] - expected[i]) <= 1e-4 * (1 + abs(expected[i]))) { mismatches += 1 }
                } else if output[i].bitPattern != sentinel.bitPattern {
                    untouchedViolations += 1
                }
            }
        }
        #expect(mismatches == 0, "\(mismatches) outputs differ from the reference")
        #expect(untouchedViolations == 0, "\(untouchedViolations) outputs outside the rows were written")
        #expect(inputCopy.elementsEqual(UnsafeBufferPointer(start: input, count: g.inputCount)), "input modified")
    }

    @Test(arguments: randomCases(count: 120, seed: 21))
    func randomGeometries(_ c: Case) { Self.check(c) }

    @Test(arguments: randomTiledCases(count: 80, seed: 22))
    func randomTiledGeometries(_ c: Case) {
        #expect(depthwiseFamily(c.g) != .general)
        Self.check(c)
    }

    @Test(arguments: mobileNetCases)
    func mobileNetShapes(_ c: Case) {
        // These must exercise the specialised kernels, not fall back to the general path.
        #expect(depthwiseFamily(c.g) == (c.g.kernelWidth == 3 ? .tiled3x3 : .tiled5x5))
        Self.check(c)
    }

    @Test(arguments: edgeCases)
    func edgeGeometries(_ c: Case) { Self.check(c) }

    /// Channel counts that are multiples of 256, whose input rows the tiled kernels copy to a wider
    /// pixel stride first at horizontal stride 1 (and read in place at 2): strides, kernel sizes, padding, images narrower than a tile, several
    /// groups per image, row ranges that start and end mid-group, batch 2, a misaligned input.
    static func copiedRowCases(count: Int, seed: UInt64) -> [Case] {
        var r = RandomGenerator(seed: seed)
        func pick(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(r.next() % UInt64(range.count)) }
        var cases: [Case] = []
        while cases.count < count {
            let i = cases.count
            let k = pick(0...2) == 0 ? 5 : 3
            let c = [256, 512, 768, 1024][pick(0...3)]
            let g = geometry(batch: pick(1...2), h: pick(1...11), w: pick(1...12), c: c, kh: k, kw: k,
                             sh: pick(1...3), sw: pick(1...2), top: pick(0...k / 2 + 1), bottom: pick(0...k / 2),
                             left: pick(0...k / 2 + 1), right: pick(0...k / 2))
            guard let g else { continue }
            cases.append(Case(g: g, activation: Activation.allCases[i % Activation.allCases.count], bias: i % 3 != 0,
                              rows: [.all, .middle, .split][i % 3], inputOffset: i % 4 == 1 ? pick(1...15) : 0))
        }
        return cases
    }

    @Test(arguments: copiedRowCases(count: 24, seed: 23))
    func copiedRowGeometries(_ c: Case) {
        let copies = depthwiseTiledInputStride(channels: c.g.inputChannels, strideWidth: c.g.strideWidth) != c.g.inputChannels
        #expect(copies == (c.g.strideWidth == 1))
        #expect(depthwiseFamily(c.g) != .general)
        Self.check(c)
    }

    @Test func everyActivationOnEveryFamily() {
        for activation in Activation.allCases {
            for k in [3, 5, 4] {
                for s in [1, 2] {
                    let g = Self.geometry(batch: 2, h: 7, w: 9, c: 20, kh: k, kw: k, sh: s, sw: s,
                                     top: k / 2, bottom: k / 2, left: k / 2, right: k / 2)!
                    Self.check(Case(g: g, activation: activation, bias: true, rows: .split))
                }
            }
        }
    }

    @Test func emptyRowRangeWritesNothing() {
        let g = Self.geometry(h: 4, w: 4, c: 16, kh: 3, kw: 3, sh: 1, sw: 1, top: 1, bottom: 1, left: 1, right: 1)!
        let x = [Float](repeating: 1, count: g.inputCount), w = [Float](repeating: 1, count: 9 * 16)
        var y = [Float](repeating: 7, count: g.outputCount)
        var scratch = [Float](repeating: 0, count: depthwiseScratchCount(g))
        depthwiseConv2DFast(g, input: x, weights: w, bias: nil, activation: .relu, output: &y, rows: 2..<2, scratch: &scratch)
        #expect(y.allSatisfy { $0 == 7 })
    }
}

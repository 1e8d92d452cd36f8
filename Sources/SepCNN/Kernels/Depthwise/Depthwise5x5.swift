// Depthwise 5×5, multiplier 1, dilation 1, horizontal stride 1 or 2 (any vertical stride, any padding).

func depthwise5x5(_ g: ConvGeometry, input: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                  bias: UnsafePointer<Float>?, activation: Activation,
                  output: UnsafeMutablePointer<Float>, rows: Range<Int>, scratch: UnsafeMutablePointer<Float>) {
    if g.strideWidth == 1 {
        depthwiseTiledRows(g, input, weights, bias, activation, output, rows, scratch, Depthwise5x5.self, DepthwiseStride1.self)
    } else {
        depthwiseTiledRows(g, input, weights, bias, activation, output, rows, scratch, Depthwise5x5.self, DepthwiseStride2.self)
    }
}

enum Depthwise5x5: DepthwiseTileKernel {
    /// 25 weight vectors do not fit beside 8 accumulators, so each kernel row loads its 5 from L1
    /// just before use (5 loads per 40 FMAs of an 8-column tile).
    struct Taps {
        var w: UnsafePointer<Float>
        var c: Int
    }

    static var size: Int { 5 }

    @inline(__always)
    static func taps(_ w: UnsafePointer<Float>, _ c: Int) -> Taps { Taps(w: w, c: c) }

    @inline(__always)
    static func accumulate<S: DepthwiseStride, T: DepthwiseTileWidth, E: DepthwiseTileEdge>(
        _ t: Taps, _ rows: DepthwiseWindowRows, _ c: Int, _ zero: UnsafePointer<Float>,
        _ a: inout DepthwiseAccumulators, _: S.Type, _: T.Type, _: E.Type
    ) {
        row(t.w, t.c, rows.r0, c, zero, &a, S.self, T.self, E.self)
        row(t.w + 5 &* t.c, t.c, rows.r1, c, zero, &a, S.self, T.self, E.self)
        row(t.w + 10 &* t.c, t.c, rows.r2, c, zero, &a, S.self, T.self, E.self)
        row(t.w + 15 &* t.c, t.c, rows.r3, c, zero, &a, S.self, T.self, E.self)
        row(t.w + 20 &* t.c, t.c, rows.r4, c, zero, &a, S.self, T.self, E.self)
    }

    /// One kernel row: its 5 taps (`tapStride` floats apart from `w`) against input row `p`,
    /// whose pixels are `c` floats apart.
    @inline(__always)
    static func row<S: DepthwiseStride, T: DepthwiseTileWidth, E: DepthwiseTileEdge>(
        _ w: UnsafePointer<Float>, _ tapStride: Int, _ p: UnsafePointer<Float>, _ c: Int, _ zero: UnsafePointer<Float>,
        _ a: inout DepthwiseAccumulators, _: S.Type, _: T.Type, _: E.Type
    ) {
        let k0 = load16(w), k1 = load16(w + tapStride), k2 = load16(w + 2 &* tapStride)
        let k3 = load16(w + 3 &* tapStride), k4 = load16(w + 4 &* tapStride)
        if S.value == 1 {
            depthwiseRow5Stride1(p, c, zero, k0, k1, k2, k3, k4, &a, T.self, E.self)
        } else {
            depthwiseRow5Stride2(p, c, zero, k0, k1, k2, k3, k4, &a, T.self, E.self)
        }
    }
}

// One kernel row across a tile: output column j accumulates input columns j·s … j·s + 4.
// Written out like the 3×3 rows.

@inline(__always)
func depthwiseRow5Stride1<T: DepthwiseTileWidth, E: DepthwiseTileEdge>(
    _ p: UnsafePointer<Float>, _ c: Int, _ zero: UnsafePointer<Float>,
    _ k0: SIMD16<Float>, _ k1: SIMD16<Float>, _ k2: SIMD16<Float>, _ k3: SIMD16<Float>, _ k4: SIMD16<Float>,
    _ a: inout DepthwiseAccumulators, _: T.Type, _: E.Type
) {
    let last = (T.count &- 1) &* 1 &+ 4
    let x0 = load16(E.source(p, 0, last, zero)); fmadd(&a.a0, x0, k0)
    let x1 = load16(p + c); fmadd(&a.a0, x1, k1); fmadd(&a.a1, x1, k0)
    let x2 = load16(p + 2 &* c); fmadd(&a.a0, x2, k2); fmadd(&a.a1, x2, k1); fmadd(&a.a2, x2, k0)
    let x3 = load16(p + 3 &* c); fmadd(&a.a0, x3, k3); fmadd(&a.a1, x3, k2); fmadd(&a.a2, x3, k1); fmadd(&a.a3, x3, k0)
    let x4 = load16(p + 4 &* c); fmadd(&a.a0, x4, k4); fmadd(&a.a1, x4, k3); fmadd(&a.a2, x4, k2); fmadd(&a.a3, x4, k1); if T.count > 4 { fmadd(&a.a4, x4, k0) }
    let x5 = load16(p + 5 &* c); fmadd(&a.a1, x5, k4); fmadd(&a.a2, x5, k3); fmadd(&a.a3, x5, k2); if T.count > 4 { fmadd(&a.a4, x5, k1) }; if T.count > 5 { fmadd(&a.a5, x5, k0) }
    let x6 = load16(p + 6 &* c); fmadd(&a.a2, x6, k4); fmadd(&a.a3, x6, k3); if T.count > 4 { fmadd(&a.a4, x6, k2) }; if T.count > 5 { fmadd(&a.a5, x6, k1) }; if T.count > 6 { fmadd(&a.a6, x6, k0) }
    let x7 = load16(E.source(p + 7 &* c, 7, last, zero)); fmadd(&a.a3, x7, k4); if T.count > 4 { fmadd(&a.a4, x7, k3) }; if T.count > 5 { fmadd(&a.a5, x7, k2) }; if T.count > 6 { fmadd(&a.a6, x7, k1) }; if T.count > 7 { fmadd(&a.a7, x7, k0) }
    if T.count >= 5 { let x8 = load16(E.source(p + 8 &* c, 8, last, zero)); fmadd(&a.a4, x8, k4); if T.count > 5 { fmadd(&a.a5, x8, k3) }; if T.count > 6 { fmadd(&a.a6, x8, k2) }; if T.count > 7 { fmadd(&a.a7, x8, k1) } }
    if T.count >= 6 { let x9 = load16(E.source(p + 9 &* c, 9, last, zero)); fmadd(&a.a5, x9, k4); if T.count > 6 { fmadd(&a.a6, x9, k3) }; if T.count > 7 { fmadd(&a.a7, x9, k2) } }
    if T.count >= 7 { let x10 = load16(E.source(p + 10 &* c, 10, last, zero)); fmadd(&a.a6, x10, k4); if T.count > 7 { fmadd(&a.a7, x10, k3) } }
    if T.count >= 8 { let x11 = load16(E.source(p + 11 &* c, 11, last, zero)); fmadd(&a.a7, x11, k4) }
}

@inline(__always)
func depthwiseRow5Stride2<T: DepthwiseTileWidth, E: DepthwiseTileEdge>(
    _ p: UnsafePointer<Float>, _ c: Int, _ zero: UnsafePointer<Float>,
    _ k0: SIMD16<Float>, _ k1: SIMD16<Float>, _ k2: SIMD16<Float>, _ k3: SIMD16<Float>, _ k4: SIMD16<Float>,
    _ a: inout DepthwiseAccumulators, _: T.Type, _: E.Type
) {
    let last = (T.count &- 1) &* 2 &+ 4
    let x0 = load16(E.source(p, 0, last, zero)); fmadd(&a.a0, x0, k0)
    let x1 = load16(p + c); fmadd(&a.a0, x1, k1)
    let x2 = load16(p + 2 &* c); fmadd(&a.a0, x2, k2); fmadd(&a.a1, x2, k0)
    let x3 = load16(p + 3 &* c); fmadd(&a.a0, x3, k3); fmadd(&a.a1, x3, k1)
    let x4 = load16(p + 4 &* c); fmadd(&a.a0, x4, k4); fmadd(&a.a1, x4, k2); fmadd(&a.a2, x4, k0)
    let x5 = load16(p + 5 &* c); fmadd(&a.a1, x5, k3); fmadd(&a.a2, x5, k1)
    let x6 = load16(p + 6 &* c); fmadd(&a.a1, x6, k4); fmadd(&a.a2, x6, k2); fmadd(&a.a3, x6, k0)
    let x7 = load16(p + 7 &* c); fmadd(&a.a2, x7, k3); fmadd(&a.a3, x7, k1)
    let x8 = load16(p + 8 &* c); fmadd(&a.a2, x8, k4); fmadd(&a.a3, x8, k2); if T.count > 4 { fmadd(&a.a4, x8, k0) }
    let x9 = load16(p + 9 &* c); fmadd(&a.a3, x9, k3); if T.count > 4 { fmadd(&a.a4, x9, k1) }
    let x10 = load16(E.source(p + 10 &* c, 10, last, zero)); fmadd(&a.a3, x10, k4); if T.count > 4 { fmadd(&a.a4, x10, k2) }; if T.count > 5 { fmadd(&a.a5, x10, k0) }
    if T.count >= 5 { let x11 = load16(p + 11 &* c); fmadd(&a.a4, x11, k3); if T.count > 5 { fmadd(&a.a5, x11, k1) } }
    if T.count >= 5 { let x12 = load16(E.source(p + 12 &* c, 12, last, zero)); fmadd(&a.a4, x12, k4); if T.count > 5 { fmadd(&a.a5, x12, k2) }; if T.count > 6 { fmadd(&a.a6, x12, k0) } }
    if T.count >= 6 { let x13 = load16(p + 13 &* c); fmadd(&a.a5, x13, k3); if T.count > 6 { fmadd(&a.a6, x13, k1) } }
    if T.count >= 6 { let x14 = load16(E.source(p + 14 &* c, 14, last, zero)); fmadd(&a.a5, x14, k4); if T.count > 6 { fmadd(&a.a6, x14, k2) }; if T.count > 7 { fmadd(&a.a7, x14, k0) } }
    if T.count >= 7 { let x15 = load16(p + 15 &* c); fmadd(&a.a6, x15, k3); if T.count > 7 { fmadd(&a.a7, x15, k1) } }
    if T.count >= 7 { let x16 = load16(E.source(p + 16 &* c, 16, last, zero)); fmadd(&a.a6, x16, k4); if T.count > 7 { fmadd(&a.a7, x16, k2) } }
    if T.count >= 8 { let x17 = load16(p + 17 &* c); fmadd(&a.a7, x17, k3) }
    if T.count >= 8 { let x18 = load16(E.source(p + 18 &* c, 18, last, zero)); fmadd(&a.a7, x18, k4) }
}

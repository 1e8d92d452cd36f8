// Depthwise 3×3, multiplier 1, dilation 1, horizontal stride 1 or 2 (any vertical stride, any padding).

func depthwise3x3(_ g: ConvGeometry, input: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                  bias: UnsafePointer<Float>?, activation: Activation,
                  output: UnsafeMutablePointer<Float>, rows: Range<Int>, scratch: UnsafeMutablePointer<Float>) {
    if g.strideWidth == 1 {
        depthwiseTiledRows(g, input, weights, bias, activation, output, rows, scratch, Depthwise3x3.self, DepthwiseStride1.self)
    } else {
        depthwiseTiledRows(g, input, weights, bias, activation, output, rows, scratch, Depthwise3x3.self, DepthwiseStride2.self)
    }
}

enum Depthwise3x3: DepthwiseTileKernel {
    /// All nine weight vectors of a channel block: loaded once per tile and kept in registers for
    /// every row of the group (8 accumulators + 9 taps + a few inputs fit the 32 zmm registers).
    struct Taps {
        var w00, w01, w02, w10, w11, w12, w20, w21, w22: SIMD16<Float>
    }

    static var size: Int { 3 }

    @inline(__always)
    static func taps(_ w: UnsafePointer<Float>, _ c: Int) -> Taps {
        Taps(w00: load16(w), w01: load16(w + c), w02: load16(w + 2 &* c),
             w10: load16(w + 3 &* c), w11: load16(w + 4 &* c), w12: load16(w + 5 &* c),
             w20: load16(w + 6 &* c), w21: load16(w + 7 &* c), w22: load16(w + 8 &* c))
    }

    @inline(__always)
    static func accumulate<S: DepthwiseStride, T: DepthwiseTileWidth, E: DepthwiseTileEdge>(
        _ t: Taps, _ rows: DepthwiseWindowRows, _ c: Int, _ zero: UnsafePointer<Float>,
        _ a: inout DepthwiseAccumulators, _: S.Type, _: T.Type, _: E.Type
    ) {
        if S.value == 1 {
            depthwiseRow3Stride1(rows.r0, c, zero, t.w00, t.w01, t.w02, &a, T.self, E.self)
            depthwiseRow3Stride1(rows.r1, c, zero, t.w10, t.w11, t.w12, &a, T.self, E.self)
            depthwiseRow3Stride1(rows.r2, c, zero, t.w20, t.w21, t.w22, &a, T.self, E.self)
        } else {
            depthwiseRow3Stride2(rows.r0, c, zero, t.w00, t.w01, t.w02, &a, T.self, E.self)
            depthwiseRow3Stride2(rows.r1, c, zero, t.w10, t.w11, t.w12, &a, T.self, E.self)
            depthwiseRow3Stride2(rows.r2, c, zero, t.w20, t.w21, t.w22, &a, T.self, E.self)
        }
    }
}

// One kernel row across a tile: output column j accumulates input columns j·s … j·s + 2.
// Written out by hand, one statement group per input column: each column is loaded once and used
// by every output column that needs it. `E.source` substitutes the zero row for a column in the padding.

@inline(__always)
func depthwiseRow3Stride1<T: DepthwiseTileWidth, E: DepthwiseTileEdge>(
    _ p: UnsafePointer<Float>, _ c: Int, _ zero: UnsafePointer<Float>,
    _ k0: SIMD16<Float>, _ k1: SIMD16<Float>, _ k2: SIMD16<Float>,
    _ a: inout DepthwiseAccumulators, _: T.Type, _: E.Type
) {
    let last = (T.count &- 1) &* 1 &+ 2
    let x0 = load16(E.source(p, 0, last, zero)); fmadd(&a.a0, x0, k0)
    let x1 = load16(p + c); fmadd(&a.a0, x1, k1); fmadd(&a.a1, x1, k0)
    let x2 = load16(p + 2 &* c); fmadd(&a.a0, x2, k2); fmadd(&a.a1, x2, k1); fmadd(&a.a2, x2, k0)
    let x3 = load16(p + 3 &* c); fmadd(&a.a1, x3, k2); fmadd(&a.a2, x3, k1); fmadd(&a.a3, x3, k0)
    let x4 = load16(p + 4 &* c); fmadd(&a.a2, x4, k2); fmadd(&a.a3, x4, k1); if T.count > 4 { fmadd(&a.a4, x4, k0) }
    let x5 = load16(E.source(p + 5 &* c, 5, last, zero)); fmadd(&a.a3, x5, k2); if T.count > 4 { fmadd(&a.a4, x5, k1) }; if T.count > 5 { fmadd(&a.a5, x5, k0) }
    if T.count >= 5 { let x6 = load16(E.source(p + 6 &* c, 6, last, zero)); fmadd(&a.a4, x6, k2); if T.count > 5 { fmadd(&a.a5, x6, k1) }; if T.count > 6 { fmadd(&a.a6, x6, k0) } }
    if T.count >= 6 { let x7 = load16(E.source(p + 7 &* c, 7, last, zero)); fmadd(&a.a5, x7, k2); if T.count > 6 { fmadd(&a.a6, x7, k1) }; if T.count > 7 { fmadd(&a.a7, x7, k0) } }
    if T.count >= 7 { let x8 = load16(E.source(p + 8 &* c, 8, last, zero)); fmadd(&a.a6, x8, k2); if T.count > 7 { fmadd(&a.a7, x8, k1) } }
    if T.count >= 8 { let x9 = load16(E.source(p + 9 &* c, 9, last, zero)); fmadd(&a.a7, x9, k2) }
}

@inline(__always)
func depthwiseRow3Stride2<T: DepthwiseTileWidth, E: DepthwiseTileEdge>(
    _ p: UnsafePointer<Float>, _ c: Int, _ zero: UnsafePointer<Float>,
    _ k0: SIMD16<Float>, _ k1: SIMD16<Float>, _ k2: SIMD16<Float>,
    _ a: inout DepthwiseAccumulators, _: T.Type, _: E.Type
) {
    let last = (T.count &- 1) &* 2 &+ 2
    let x0 = load16(E.source(p, 0, last, zero)); fmadd(&a.a0, x0, k0)
    let x1 = load16(p + c); fmadd(&a.a0, x1, k1)
    let x2 = load16(p + 2 &* c); fmadd(&a.a0, x2, k2); fmadd(&a.a1, x2, k0)
    let x3 = load16(p + 3 &* c); fmadd(&a.a1, x3, k1)
    let x4 = load16(p + 4 &* c); fmadd(&a.a1, x4, k2); fmadd(&a.a2, x4, k0)
    let x5 = load16(p + 5 &* c); fmadd(&a.a2, x5, k1)
    let x6 = load16(p + 6 &* c); fmadd(&a.a2, x6, k2); fmadd(&a.a3, x6, k0)
    let x7 = load16(p + 7 &* c); fmadd(&a.a3, x7, k1)
    let x8 = load16(E.source(p + 8 &* c, 8, last, zero)); fmadd(&a.a3, x8, k2); if T.count > 4 { fmadd(&a.a4, x8, k0) }
    if T.count >= 5 { let x9 = load16(p + 9 &* c); fmadd(&a.a4, x9, k1) }
    if T.count >= 5 { let x10 = load16(E.source(p + 10 &* c, 10, last, zero)); fmadd(&a.a4, x10, k2); if T.count > 5 { fmadd(&a.a5, x10, k0) } }
    if T.count >= 6 { let x11 = load16(p + 11 &* c); fmadd(&a.a5, x11, k1) }
    if T.count >= 6 { let x12 = load16(E.source(p + 12 &* c, 12, last, zero)); fmadd(&a.a5, x12, k2); if T.count > 6 { fmadd(&a.a6, x12, k0) } }
    if T.count >= 7 { let x13 = load16(p + 13 &* c); fmadd(&a.a6, x13, k1) }
    if T.count >= 7 { let x14 = load16(E.source(p + 14 &* c, 14, last, zero)); fmadd(&a.a6, x14, k2); if T.count > 7 { fmadd(&a.a7, x14, k0) } }
    if T.count >= 8 { let x15 = load16(p + 15 &* c); fmadd(&a.a7, x15, k1) }
    if T.count >= 8 { let x16 = load16(E.source(p + 16 &* c, 16, last, zero)); fmadd(&a.a7, x16, k2) }
}

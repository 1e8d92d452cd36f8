// Winograd F(2×2, 3×3) (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016): a
// 3×3 stride-1 convolution computed on 4×4 input tiles that overlap by 2, each giving a 2×2 output
// tile. In the transformed domain the convolution is 16 independent matrix products
// [tiles × Cin] · [Cin × Cout], one per tile position ξ, so it costs 16 multiply-accumulates per
// 4 outputs and channel pair instead of im2col's 36: 2.25× fewer. Contract: `conv2DReference` for
// 3×3 kernels, stride 1, dilation 1, one group.
//
//     U = G g Gᵀ (weights, once)     V = Bᵀ d B (input tiles)     Y = Aᵀ (U ⊙ V) A (output tiles)
//
//     G = | 1    0    0  |     Bᵀ = | 1  0 −1  0 |     Aᵀ = | 1  1  1  0 |
//         | ½    ½    ½  |          | 0  1  1  0 |          | 0  1 −1 −1 |
//         | ½   −½    ½  |          | 0 −1  1  0 |
//         | 0    0    1  |          | 0  1  0 −1 |
//
// The transforms only add and subtract (and halve, for the weights), so F(2×2, 3×3) keeps float32
// accuracy; larger tiles (F(4×4, 3×3)) save more but amplify rounding by their 1/4 and 1/8 factors.
//
// Layouts: a chunk of T tiles is transformed at a time. Its inputs are 16 planes of [T, Cin]
// (plane ξ = 4·row + column of the tile position, at `v + ξ·planeStride`), the products 16 planes
// of [T, Cout]; channels are contiguous, as in NHWC, so every transform works on 16 channels per
// SIMD vector. Tile t of the whole convolution is image t / (tilesHigh·tilesWide), then row-major.

/// Tiles in the output of `g`: ⌈outputHeight / 2⌉ × ⌈outputWidth / 2⌉ per image.
func winograd3x3Tiles(_ g: ConvGeometry) -> (high: Int, wide: Int) {
    ((g.outputHeight &+ 1) / 2, (g.outputWidth &+ 1) / 2)
}

/// `g` is a convolution F(2×2, 3×3) computes exactly as `conv2DReference` does (up to rounding).
func isWinograd3x3Shaped(_ g: ConvGeometry) -> Bool {
    g.kernelHeight == 3 && g.kernelWidth == 3 && g.strideHeight == 1 && g.strideWidth == 1
        && g.dilationHeight == 1 && g.dilationWidth == 1 && g.groups == 1
}

/// U = G g Gᵀ for every channel pair: `weights` [3, 3, Cin, Cout] → `u` 16 planes of [Cin, Cout].
func winograd3x3TransformWeights(_ weights: UnsafePointer<Float>, inputChannels: Int, outputChannels: Int,
                                 into u: UnsafeMutablePointer<Float>) {
    let plane = inputChannels &* outputChannels
    for pair in 0..<plane {
        var gg = (Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0),
                  Float(0), Float(0), Float(0))  // G g: 4 rows × 3 columns
        withUnsafeMutableBytes(of: &gg) { raw in
            let t = raw.bindMemory(to: Float.self)
            for column in 0..<3 {
                let g0 = weights[column &* plane &+ pair], g1 = weights[(3 &+ column) &* plane &+ pair]
                let g2 = weights[(6 &+ column) &* plane &+ pair]
                t[column] = g0
                t[3 &+ column] = 0.5 * (g0 + g1 + g2)
                t[6 &+ column] = 0.5 * (g0 - g1 + g2)
                t[9 &+ column] = g2
            }
            for row in 0..<4 {
                let a = t[3 &* row], b = t[3 &* row &+ 1], c = t[3 &* row &+ 2]
                u[(4 &* row) &* plane &+ pair] = a
                u[(4 &* row &+ 1) &* plane &+ pair] = 0.5 * (a + b + c)
                u[(4 &* row &+ 2) &* plane &+ pair] = 0.5 * (a - b + c)
                u[(4 &* row &+ 3) &* plane &+ pair] = c
            }
        }
    }
}

private typealias Row4 = (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>)

/// Bᵀ applied to four values (a column or a row of a tile).
@inline(__always)
private func inputTransform(_ d: Row4) -> Row4 { (d.0 - d.2, d.1 + d.2, d.2 - d.1, d.1 - d.3) }

@inline(__always)
private func combine(_ a: Row4, _ b: Row4, _ f: (SIMD16<Float>, SIMD16<Float>) -> SIMD16<Float>) -> Row4 {
    (f(a.0, b.0), f(a.1, b.1), f(a.2, b.2), f(a.3, b.3))
}

/// V = Bᵀ d B of tiles `tiles` of the input of `g`, into 16 planes of [tiles.count, Cin] at
/// `v + ξ·planeStride` (zero padding read as zeros). Allocation-free.
func winograd3x3TransformInput(_ g: ConvGeometry, input: UnsafePointer<Float>, tiles: Range<Int>,
                               into v: UnsafeMutablePointer<Float>, planeStride: Int) {
    let (tilesHigh, tilesWide) = winograd3x3Tiles(g)
    let channels = g.inputChannels, perImage = tilesHigh &* tilesWide
    for t in tiles {
        let image = t / perImage, tileRow = (t % perImage) / tilesWide, tileColumn = t % tilesWide
        let y0 = 2 &* tileRow &- g.padTop, x0 = 2 &* tileColumn &- g.padLeft
        let inside = y0 >= 0 && x0 >= 0 && y0 &+ 4 <= g.inputHeight && x0 &+ 4 <= g.inputWidth
        let out = v + (t &- tiles.lowerBound) &* channels
        var c0 = 0
        while c0 < channels {
            let count = min(16, channels &- c0)
            @inline(__always) func pixel(_ dy: Int, _ dx: Int) -> SIMD16<Float> {
                let y = y0 &+ dy, x = x0 &+ dx
                guard inside || (y >= 0 && y < g.inputHeight && x >= 0 && x < g.inputWidth) else { return SIMD16<Float>() }
                return gemmLoadColumns(input + (((image &* g.inputHeight &+ y) &* g.inputWidth &+ x) &* channels &+ c0), count)
            }
            @inline(__always) func row(_ dy: Int) -> Row4 { (pixel(dy, 0), pixel(dy, 1), pixel(dy, 2), pixel(dy, 3)) }
            let d0 = row(0), d1 = row(1), d2 = row(2), d3 = row(3)
            // Bᵀ d: the tile's rows combined, then each row's columns.
            @inline(__always) func store(_ i: Int, _ r: Row4) {
                let transformed = inputTransform(r)
                let p = out + ((4 &* i) &* planeStride &+ c0)
                gemmStoreColumns(p, transformed.0, count)
                gemmStoreColumns(p + planeStride, transformed.1, count)
                gemmStoreColumns(p + 2 &* planeStride, transformed.2, count)
                gemmStoreColumns(p + 3 &* planeStride, transformed.3, count)
            }
            store(0, combine(d0, d2, -))
            store(1, combine(d1, d2, +))
            store(2, combine(d2, d1, -))
            store(3, combine(d1, d3, -))
            c0 &+= 16
        }
    }
}

/// Y = Aᵀ M A of tiles `tiles` from their products (16 planes of [tiles.count, Cout] at
/// `products + ξ·planeStride`), plus `bias`, through the fusable `activation`, into the NHWC
/// output of `g` (a 2×2 tile past the output's edge writes only its pixels inside). Allocation-free.
func winograd3x3TransformOutput(_ g: ConvGeometry, products: UnsafePointer<Float>, planeStride: Int, tiles: Range<Int>,
                                bias: UnsafePointer<Float>?, activation: Activation, output: UnsafeMutablePointer<Float>) {
    precondition(activation.isFusable, "winograd3x3TransformOutput: \(activation) is applied in the store only if fusable")
    let (tilesHigh, tilesWide) = winograd3x3Tiles(g)
    let channels = g.outputChannels, perImage = tilesHigh &* tilesWide
    for t in tiles {
        let image = t / perImage, tileRow = (t % perImage) / tilesWide, tileColumn = t % tilesWide
        let y0 = 2 &* tileRow, x0 = 2 &* tileColumn
        let m = products + (t &- tiles.lowerBound) &* channels
        var c0 = 0
        while c0 < channels {
            let count = min(16, channels &- c0)
            @inline(__always) func row(_ i: Int) -> Row4 {
                let p = m + ((4 &* i) &* planeStride &+ c0)
                return (gemmLoadColumns(p, count), gemmLoadColumns(p + planeStride, count),
                        gemmLoadColumns(p + 2 &* planeStride, count), gemmLoadColumns(p + 3 &* planeStride, count))
            }
            let m0 = row(0), m1 = row(1), m2 = row(2), m3 = row(3)
            // Aᵀ M: two rows from four, then two columns from each row's four.
            let s0 = combine(combine(m0, m1, +), m2, +), s1 = combine(combine(m1, m2, -), m3, -)
            let b = bias.map { gemmLoadColumns($0 + c0, count) } ?? SIMD16<Float>()
            @inline(__always) func store(_ dy: Int, _ s: Row4) {
                guard y0 &+ dy < g.outputHeight else { return }
                let rowStart = output + (((image &* g.outputHeight &+ y0 &+ dy) &* g.outputWidth &+ x0) &* channels &+ c0)
                gemmStoreColumns(rowStart, activation.apply(s.0 + s.1 + s.2 + b), count)
                if x0 &+ 1 < g.outputWidth {
                    gemmStoreColumns(rowStart + channels, activation.apply(s.1 - s.2 - s.3 + b), count)
                }
            }
            store(0, s0)
            store(1, s1)
            c0 &+= 16
        }
    }
}

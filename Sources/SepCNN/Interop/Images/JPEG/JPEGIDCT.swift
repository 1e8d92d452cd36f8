/// The accurate integer inverse DCT of libjpeg's `jidctint.c` (`JDCT_ISLOW`, the method Pillow decodes
/// with): the Loeffler–Ligtenberg–Moschytz factorisation in 13-bit fixed point, columns first with
/// 2 extra bits kept between the passes. Reproduced operation for operation, so its output matches
/// libjpeg's exactly, including how out-of-range results wrap before clamping.
enum JPEGIDCT {
    private static let constBits = 13, pass1Bits = 2
    private static let fix0_298631336 = 2446, fix0_390180644 = 3196, fix0_541196100 = 4433
    private static let fix0_765366865 = 6270, fix0_899976223 = 7373, fix1_175875602 = 9633
    private static let fix1_501321110 = 12299, fix1_847759065 = 15137, fix1_961570560 = 16069
    private static let fix2_053119869 = 16819, fix2_562915447 = 20995, fix3_072711026 = 25172

    @inline(__always)
    private static func descale(_ x: Int, _ n: Int) -> Int { (x + (1 << (n - 1))) >> n }

    /// libjpeg's range-limit table: the result is taken modulo 1024 as a signed value, then
    /// offset by 128 and clamped.
    @inline(__always)
    private static func rangeLimit(_ x: Int) -> UInt8 {
        var v = x & 1023
        if v >= 512 { v -= 1024 }
        return UInt8(clamping: v + 128)
    }

    /// One 8×8 block: `coefficients[offset...]` in natural (row-major) order, dequantised by
    /// `quantization` (natural order), written to `output` rows `stride` apart from `outputOffset`.
    static func transform(_ coefficients: UnsafePointer<Int16>, quantization: UnsafePointer<Int32>,
                          into output: UnsafeMutablePointer<UInt8>, stride: Int,
                          workspace ws: UnsafeMutablePointer<Int32>) {
        // Pass 1: columns, into the workspace.
        for column in 0..<8 {
            @inline(__always) func input(_ row: Int) -> Int { Int(coefficients[row * 8 + column]) * Int(quantization[row * 8 + column]) }
            if coefficients[8 + column] == 0, coefficients[16 + column] == 0, coefficients[24 + column] == 0,
               coefficients[32 + column] == 0, coefficients[40 + column] == 0, coefficients[48 + column] == 0,
               coefficients[56 + column] == 0 {
                // Only the DC term: the column is constant (the same value the full computation gives).
                let dc = Int32(truncatingIfNeeded: input(0) << pass1Bits)
                for row in 0..<8 { ws[row * 8 + column] = dc }
                continue
            }
            let r = butterfly(input(0), input(1), input(2), input(3), input(4), input(5), input(6), input(7))
            @inline(__always) func store(_ row: Int, _ value: Int) {
                ws[row * 8 + column] = Int32(truncatingIfNeeded: descale(value, constBits - pass1Bits))
            }
            store(0, r.0); store(1, r.1); store(2, r.2); store(3, r.3)
            store(4, r.4); store(5, r.5); store(6, r.6); store(7, r.7)
        }
        // Pass 2: rows, from the workspace to samples.
        for row in 0..<8 {
            let w = ws + row * 8
            let out = output + row * stride
            if w[1] == 0, w[2] == 0, w[3] == 0, w[4] == 0, w[5] == 0, w[6] == 0, w[7] == 0 {
                let value = rangeLimit(descale(Int(w[0]), pass1Bits + 3))
                for column in 0..<8 { out[column] = value }
                continue
            }
            let r = butterfly(Int(w[0]), Int(w[1]), Int(w[2]), Int(w[3]), Int(w[4]), Int(w[5]), Int(w[6]), Int(w[7]))
            let n = constBits + pass1Bits + 3
            out[0] = rangeLimit(descale(r.0, n)); out[1] = rangeLimit(descale(r.1, n))
            out[2] = rangeLimit(descale(r.2, n)); out[3] = rangeLimit(descale(r.3, n))
            out[4] = rangeLimit(descale(r.4, n)); out[5] = rangeLimit(descale(r.5, n))
            out[6] = rangeLimit(descale(r.6, n)); out[7] = rangeLimit(descale(r.7, n))
        }
    }

    /// The 1-D transform of eight inputs, scaled by 2^13 (before the pass's descale).
    @inline(__always)
    private static func butterfly(_ x0: Int, _ x1: Int, _ x2: Int, _ x3: Int, _ x4: Int, _ x5: Int, _ x6: Int, _ x7: Int)
        -> (Int, Int, Int, Int, Int, Int, Int, Int) {
        // Even part: the rotator is sqrt(2)·c(-6).
        var z1 = (x2 + x6) * fix0_541196100
        let tmp2e = z1 - x6 * fix1_847759065
        let tmp3e = z1 + x2 * fix0_765366865
        let tmp0e = (x0 + x4) << constBits
        let tmp1e = (x0 - x4) << constBits
        let tmp10 = tmp0e + tmp3e, tmp13 = tmp0e - tmp3e
        let tmp11 = tmp1e + tmp2e, tmp12 = tmp1e - tmp2e

        // Odd part.
        var tmp0 = x7, tmp1 = x5, tmp2 = x3, tmp3 = x1
        z1 = tmp0 + tmp3
        var z2 = tmp1 + tmp2, z3 = tmp0 + tmp2, z4 = tmp1 + tmp3
        let z5 = (z3 + z4) * fix1_175875602
        tmp0 *= fix0_298631336
        tmp1 *= fix2_053119869
        tmp2 *= fix3_072711026
        tmp3 *= fix1_501321110
        z1 *= -fix0_899976223
        z2 *= -fix2_562915447
        z3 *= -fix1_961570560
        z4 *= -fix0_390180644
        z3 += z5
        z4 += z5
        tmp0 += z1 + z3
        tmp1 += z2 + z4
        tmp2 += z2 + z3
        tmp3 += z1 + z4

        return (tmp10 + tmp3, tmp11 + tmp2, tmp12 + tmp1, tmp13 + tmp0,
                tmp13 - tmp0, tmp12 - tmp1, tmp11 - tmp2, tmp10 - tmp3)
    }
}

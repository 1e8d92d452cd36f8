/// int8 GEMM, the plain reference for every qs8 GEMM path (TFLite's full-integer scheme):
///
///     acc[i, j] = bias[j] + Σ_p (a[i, p] − inputZeroPoint) · b[p, j]        (int32)
///     c[i, j]   = qs8Requantize(acc[i, j], multipliers[j], clamp)
///
/// `a` is m × k (row stride lda), `b` k × n (row stride ldb), `c` m × n (row stride ldc); `bias` is
/// the quantized int32 bias at scale s_in · s_w[j], `multipliers[j]` = s_in · s_w[j] / s_out.
func qs8GEMMReference(m: Int, n: Int, k: Int, a: UnsafePointer<Int8>, lda: Int, inputZeroPoint: Int8,
                      b: UnsafePointer<Int8>, ldb: Int, bias: UnsafePointer<Int32>, multipliers: UnsafePointer<Float>,
                      clamp: QS8OutputClamp, c: UnsafeMutablePointer<Int8>, ldc: Int) {
    let z = Int32(inputZeroPoint)
    for i in 0..<m {
        for j in 0..<n {
            var acc = bias[j]
            for p in 0..<k { acc &+= (Int32(a[i &* lda &+ p]) &- z) &* Int32(b[p &* ldb &+ j]) }
            c[i &* ldc &+ j] = qs8Requantize(acc, multipliers[j], clamp)
        }
    }
}

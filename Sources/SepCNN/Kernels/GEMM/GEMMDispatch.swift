/// The one entry point layers call for a matrix multiply (contract: `gemmReference`).
/// Packed, register-blocked kernels plug in here without any change to the layers.
func gemm(m: Int, n: Int, k: Int,
          a: UnsafePointer<Float>, lda: Int,
          b: UnsafePointer<Float>, ldb: Int,
          bias: UnsafePointer<Float>?,
          activation: Activation,
          c: UnsafeMutablePointer<Float>, ldc: Int) {
    gemmReference(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, bias: bias, activation: activation, c: c, ldc: ldc)
}

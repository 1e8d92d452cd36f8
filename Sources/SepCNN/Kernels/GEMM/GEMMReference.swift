/// Single-precision matrix multiply, the reference for every fast GEMM.
///
/// Row-major: `C[m×n] = act(A[m×k] · B[k×n] + bias[n])`, with leading dimensions (row strides)
/// `lda`, `ldb`, `ldc`. C is overwritten. This one shape serves pointwise convolution
/// (A = pixels × input channels, B = the [Cin, Cout] weights), dense layers and im2col convolution.
func gemmReference(m: Int, n: Int, k: Int,
                   a: UnsafePointer<Float>, lda: Int,
                   b: UnsafePointer<Float>, ldb: Int,
                   bias: UnsafePointer<Float>?,
                   activation: Activation,
                   c: UnsafeMutablePointer<Float>, ldc: Int) {
    for i in 0..<m {
        let cRow = c + i &* ldc
        cRow.initialize(repeating: 0, count: n)
        let aRow = a + i &* lda
        // i-p-j order: the inner loop runs along contiguous rows of B and C and vectorizes.
        for p in 0..<k {
            let scale = aRow[p]
            let bRow = b + p &* ldb
            for j in 0..<n { cRow[j] += scale * bRow[j] }
        }
        applyBiasAndActivation(cRow, rows: 1, channels: n, bias: bias, activation: activation)
    }
}

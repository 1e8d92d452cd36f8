// C += Aᵀ · B without transposing or packing anything: the weight gradient of every layer that is a
// matrix product (dW = Xᵀ · dY for pointwise, dense and im2col convolution). Both operands are read
// row by row in their natural layout: A's row p gives the broadcasts, B's row p the vectors. The
// k dimension (pixels, often 50k+) is walked in blocks small enough that a block of A and B stays
// in cache while every tile of C visits it, so memory is read once.

/// `C[m×n] += Aᵀ · B` for row-major `A [k×m]` and `B [k×n]`: `C[i, j] += Σ_p A[p, i] · B[p, j]`.
/// The plain reference for `gemmTransposedA`.
func gemmTransposedAReference(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
                              b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int) {
    for p in 0..<k {
        let aRow = a + p &* lda, bRow = b + p &* ldb
        for i in 0..<m {
            let scale = aRow[i], cRow = c + i &* ldc
            for j in 0..<n { cRow[j] += scale * bRow[j] }
        }
    }
}

/// Rows of A and B per block of the k loop.
private let transposedABlock = 256

/// Same contract as `gemmTransposedAReference`, for the rows `rows` of C only (threads take
/// disjoint row ranges). Tiles of 8 rows × 16 columns of C live in registers across a k block.
func gemmTransposedA(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
                     b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int, rows: Range<Int>) {
    let rows = rows.clamped(to: 0..<m)
    if rows.isEmpty || n <= 0 { return }
    var p0 = 0
    while p0 < k {
        let p1 = min(k, p0 &+ transposedABlock)
        var i0 = rows.lowerBound
        while i0 < rows.upperBound {
            let tileRows = min(8, rows.upperBound &- i0)
            var j0 = 0
            while j0 < n {
                gemmTransposedATile(rows: tileRows, columns: min(16, n &- j0), k: p0..<p1,
                                    a: a + i0, lda: lda, b: b + j0, ldb: ldb, c: c + (i0 &* ldc &+ j0), ldc: ldc)
                j0 &+= 16
            }
            i0 &+= 8
        }
        p0 = p1
    }
}

/// One tile: C[0..<rows, 0..<columns] += Σ_{p ∈ k} A[p, r] · B[p, 0..<columns], rows ≤ 8, columns ≤ 16.
/// Missing rows repeat the last one (computed, never stored), so the loop has no branches.
@inline(never)
private func gemmTransposedATile(rows: Int, columns: Int, k: Range<Int>, a: UnsafePointer<Float>, lda: Int,
                                 b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int) {
    let last = rows &- 1
    let o1 = min(1, last), o2 = min(2, last), o3 = min(3, last), o4 = min(4, last), o5 = min(5, last)
    let o6 = min(6, last), o7 = min(7, last)
    var c0 = SIMD16<Float>(), c1 = SIMD16<Float>(), c2 = SIMD16<Float>(), c3 = SIMD16<Float>()
    var c4 = SIMD16<Float>(), c5 = SIMD16<Float>(), c6 = SIMD16<Float>(), c7 = SIMD16<Float>()
    var aRow = a + k.lowerBound &* lda, bRow = b + k.lowerBound &* ldb
    if columns == 16 {
        for _ in k {
            let v = load16(bRow)
            fmadd(&c0, SIMD16(repeating: aRow[0]), v); fmadd(&c1, SIMD16(repeating: aRow[o1]), v)
            fmadd(&c2, SIMD16(repeating: aRow[o2]), v); fmadd(&c3, SIMD16(repeating: aRow[o3]), v)
            fmadd(&c4, SIMD16(repeating: aRow[o4]), v); fmadd(&c5, SIMD16(repeating: aRow[o5]), v)
            fmadd(&c6, SIMD16(repeating: aRow[o6]), v); fmadd(&c7, SIMD16(repeating: aRow[o7]), v)
            aRow += lda; bRow += ldb
        }
    } else {
        for _ in k {
            let v = gemmLoadColumns(bRow, columns)
            fmadd(&c0, SIMD16(repeating: aRow[0]), v); fmadd(&c1, SIMD16(repeating: aRow[o1]), v)
            fmadd(&c2, SIMD16(repeating: aRow[o2]), v); fmadd(&c3, SIMD16(repeating: aRow[o3]), v)
            fmadd(&c4, SIMD16(repeating: aRow[o4]), v); fmadd(&c5, SIMD16(repeating: aRow[o5]), v)
            fmadd(&c6, SIMD16(repeating: aRow[o6]), v); fmadd(&c7, SIMD16(repeating: aRow[o7]), v)
            aRow += lda; bRow += ldb
        }
    }
    @inline(__always) func add(_ r: Int, _ v: SIMD16<Float>) {
        let row = c + r &* ldc
        gemmStoreColumns(row, gemmLoadColumns(row, columns) + v, columns)
    }
    add(0, c0)
    if rows > 1 { add(1, c1) }
    if rows > 2 { add(2, c2) }
    if rows > 3 { add(3, c3) }
    if rows > 4 { add(4, c4) }
    if rows > 5 { add(5, c5) }
    if rows > 6 { add(6, c6) }
    if rows > 7 { add(7, c7) }
}

/// `sums[c] += Σ_r data[r · columns + c]` for a `[rows, columns]` matrix: the bias gradient of a
/// convolution or dense layer (its output gradient summed over every pixel of every image).
func addColumnSums(_ data: UnsafePointer<Float>, rows: Int, columns: Int, into sums: UnsafeMutablePointer<Float>) {
    // Rows in blocks that stay in L1 while each 16-column strip walks them: memory is read once, in order.
    let blockRows = 128
    var r0 = 0
    while r0 < rows {
        let r1 = min(rows, r0 &+ blockRows)
        var c = 0
        while c &+ 16 <= columns {
            // Two chains, so the additions do not wait on each other's latency.
            var a0 = SIMD16<Float>(), a1 = SIMD16<Float>()
            var p = data + (r0 &* columns &+ c), r = r0
            while r &+ 2 <= r1 {
                a0 += load16(p); a1 += load16(p + columns)
                p += 2 &* columns; r &+= 2
            }
            if r < r1 { a0 += load16(p) }
            store16(sums + c, load16(sums + c) + (a0 + a1))
            c &+= 16
        }
        while c < columns {
            var sum: Float = 0
            for r in r0..<r1 { sum += data[r &* columns &+ c] }
            sums[c] += sum
            c &+= 1
        }
        r0 = r1
    }
}

/// `target[i] += source[i]`: gradients accumulating where a value fed two consumers.
func addInPlace(_ target: UnsafeMutablePointer<Float>, _ source: UnsafePointer<Float>, count: Int) {
    var i = 0
    while i &+ 16 <= count {
        store16(target + i, load16(target + i) + load16(source + i))
        i &+= 16
    }
    while i < count { target[i] += source[i]; i &+= 1 }
}

/// `destination[j · ldd + i] = source[i · lds + j]` for a `[rows, columns]` source: the transposed
/// weights Wᵀ that input gradients multiply by. Blocked 16×16 so both sides stay in cache lines.
func transpose(rows: Int, columns: Int, source: UnsafePointer<Float>, lds: Int,
               destination: UnsafeMutablePointer<Float>, ldd: Int) {
    let block = 16
    var i0 = 0
    while i0 < rows {
        let i1 = min(rows, i0 &+ block)
        var j0 = 0
        while j0 < columns {
            let j1 = min(columns, j0 &+ block)
            for i in i0..<i1 {
                let s = source + i &* lds
                for j in j0..<j1 { destination[j &* ldd &+ i] = s[j] }
            }
            j0 = j1
        }
        i0 = i1
    }
}

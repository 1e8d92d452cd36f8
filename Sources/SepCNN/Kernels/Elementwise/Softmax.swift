import Foundation

/// Softmax along each row of a `[rows, columns]` matrix. The row maximum is subtracted first so
/// large logits cannot overflow `exp`.
func softmaxRows(_ input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
    for r in 0..<rows {
        let x = input + r &* columns, y = output + r &* columns
        var largest = -Float.infinity
        for j in 0..<columns { largest = max(largest, x[j]) }
        var total: Float = 0
        for j in 0..<columns {
            let e = expf(x[j] - largest)
            y[j] = e
            total += e
        }
        let scale = 1 / total
        for j in 0..<columns { y[j] *= scale }
    }
}

import Foundation

/// Measures the machine's float32 FMA throughput on `pool.threads` threads, in GFLOP/s: the
/// 100 % of the bench table's "% of peak". Twelve independent accumulators hide the FMA latency,
/// as a tuned GEMM kernel does (≈ 117 GFLOP/s per core on the project machine, a Zen 4, in an AVX-512 build).
public func measurePeakGFLOPS(pool: ThreadPool, seconds: Double = 0.2) -> Double {
    let iterations = 2_000_000
    _ = independentFMAChains(iterations: 1000)  // warm up, and page in the code
    var best = 0.0
    let clock = ContinuousClock()
    let deadline = clock.now + .seconds(seconds)
    repeat {
        let elapsed = clock.measure {
            pool.parallelFor(pool.threads) { _ in _ = independentFMAChains(iterations: iterations) }
        }
        let flops = Double(pool.threads) * Double(iterations) * 12 * 16 * 2
        best = max(best, flops / (microsecondsOf(elapsed) * 1e3))
    } while clock.now < deadline
    return best
}

/// 12 × 16 × `iterations` fused multiply-adds; the returned sum keeps the optimiser from dropping them.
@inline(never)
private func independentFMAChains(iterations: Int) -> Float {
    let a = SIMD16<Float>(repeating: 1.000001), b = SIMD16<Float>(repeating: 0.999999)
    var c0 = SIMD16<Float>(repeating: 0), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0
    var c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0
    for _ in 0..<iterations {
        fmadd(&c0, a, b); fmadd(&c1, a, b); fmadd(&c2, a, b); fmadd(&c3, a, b)
        fmadd(&c4, a, b); fmadd(&c5, a, b); fmadd(&c6, a, b); fmadd(&c7, a, b)
        fmadd(&c8, a, b); fmadd(&c9, a, b); fmadd(&c10, a, b); fmadd(&c11, a, b)
    }
    let sum = ((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7)) + ((c8 + c9) + (c10 + c11))
    return sum.sum()
}

import Foundation

/// The 100 % of the bench table's "% of peak": a float32 FMA throughput in GFLOP/s, and how it was
/// obtained, which the table prints under itself.
///
/// The default is the nominal figure, computed once from the build's instruction set and the CPU's
/// clock as the operating system reports it, so the same machine gives the same percentages run
/// after run. A measured figure (`measured`) follows the load other processes put on the cores and
/// moved by several percent between runs on a shared machine.
public struct PeakThroughput: Sendable, Equatable {
    public var gflops: Double
    /// `nominal: 2 threads × 32 flops/cycle (…) × 2.45 GHz (/proc/cpuinfo)`.
    public var basis: String

    public init(gflops: Double, basis: String) {
        self.gflops = gflops
        self.basis = basis
    }

    /// Float32 flops one core of this build retires per cycle, and why. Builds with FMA (AVX2,
    /// AVX-512, arm64) count two FMA pipes of 8 lanes (4 on arm64's NEON) × 2 flops: Zen 2–4 and
    /// Intel client cores have two 256-bit FMA pipes, and Zen 4 runs 512-bit FMAs on them, which
    /// matches the ≈ 117 GFLOP/s per core measured on the project machine (a Zen 4 near 3.7 GHz).
    /// AVX-512 builds on cores with two 512-bit FMA units (Intel's Xeon Gold/Platinum, Zen 5) count
    /// 16 lanes. Builds without FMA count an add and a multiply pipe of 4 SSE lanes.
    public static var flopsPerCycle: (flops: Int, reason: String) {
        #if arch(arm64)
        return (16, "2 FMA pipes × 4 lanes × 2")
        #else
        #if canImport(CPUFeatures.AVX512F)
        if cpuHasTwo512BitFMAUnits { return (64, "2 FMA pipes × 16 lanes × 2") }
        #endif
        if buildTargetsFMA() { return (32, "2 FMA pipes × 8 lanes × 2") }
        return (8, "no FMA in this build: add + multiply pipes × 4 lanes")
        #endif
    }

    private static let cpuHasTwo512BitFMAUnits: Bool =
        (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)).map(hasTwo512BitFMAUnits(cpuinfo:)) ?? false

    /// Whether a /proc/cpuinfo text names a core with two 512-bit FMA units: an Intel core with
    /// AVX-512 (the Xeon server cores; the few client and Silver parts with one unit read half their
    /// true percentage low) or AMD's Zen 5 (family 26). Zen 4 (family 25) splits 512-bit FMAs over
    /// its two 256-bit pipes.
    public static func hasTwo512BitFMAUnits(cpuinfo: String) -> Bool {
        let lines = cpuinfo.split(separator: "\n").prefix { !$0.isEmpty }  // the first CPU's block
        func field(_ name: String) -> String? {
            lines.first { $0.hasPrefix(name) }.flatMap { line in
                line.firstIndex(of: ":").map { line[line.index(after: $0)...].trimmingCharacters(in: .whitespaces) }
            }
        }
        let flags = Set((field("flags") ?? "").split(separator: " "))
        guard flags.contains("avx512f") else { return false }
        switch field("vendor_id") {
        case "GenuineIntel": return true
        case "AuthenticAMD": return (field("cpu family").flatMap { Int($0) } ?? 0) >= 26
        default: return false
        }
    }

    /// The CPU's clock in GHz with where it was read, looked up once per process: the maximum
    /// frequency in sysfs, else the one in /proc/cpuinfo's model name (`@ 2.40GHz`), else the
    /// highest `cpu MHz` there. Nil where none is available.
    public static let nominalClock: (gigahertz: Double, source: String)? = {
        if let text = try? String(contentsOfFile: "/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq", encoding: .utf8),
           let kilohertz = Double(text.trimmingCharacters(in: .whitespacesAndNewlines)), kilohertz > 0 {
            return (kilohertz / 1e6, "cpuinfo_max_freq")
        }
        if let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8), let gigahertz = clockGigahertz(cpuinfo: text) {
            return (gigahertz, "/proc/cpuinfo")
        }
        return nil
    }()

    /// The clock a /proc/cpuinfo text states: the model name's `@ 2.40GHz` if any, else the highest
    /// `cpu MHz` line. Nil if it states neither (or something implausible, outside 0.1–10 GHz).
    public static func clockGigahertz(cpuinfo: String) -> Double? {
        let lines = cpuinfo.split(separator: "\n")
        func value(_ line: Substring) -> Substring? {
            line.firstIndex(of: ":").map { line[line.index(after: $0)...] }
        }
        var gigahertz: Double?
        if let model = lines.first(where: { $0.hasPrefix("model name") }).flatMap(value),
           let at = model.range(of: "@ "), model.hasSuffix("GHz") {
            gigahertz = Double(model[at.upperBound...].dropLast(3).trimmingCharacters(in: .whitespaces))
        }
        if gigahertz == nil {
            gigahertz = lines.filter { $0.hasPrefix("cpu MHz") }.compactMap(value)
                .compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }.max().map { $0 / 1000 }
        }
        guard let gigahertz, (0.1...10).contains(gigahertz) else { return nil }
        return gigahertz
    }

    /// `threads` cores at the nominal clock and this build's flops per cycle; nil without a clock.
    public static func nominal(threads: Int, clock: (gigahertz: Double, source: String)? = nominalClock) -> PeakThroughput? {
        guard let clock else { return nil }
        let (flops, reason) = flopsPerCycle
        let gflops = Double(threads * flops) * clock.gigahertz
        let basis = "nominal: \(threads) thread\(threads == 1 ? "" : "s") × \(flops) flops/cycle (\(reason)) × "
            + String(format: "%.2f GHz", clock.gigahertz) + " (\(clock.source))"
        return PeakThroughput(gflops: gflops, basis: basis)
    }

    /// The FMA throughput measured on `pool` (see `measurePeakGFLOPS`).
    public static func measured(pool: ThreadPool, seconds: Double = 0.2) -> PeakThroughput {
        PeakThroughput(gflops: measurePeakGFLOPS(pool: pool, seconds: seconds),
                       basis: "measured FMA throughput of \(pool.threads) thread\(pool.threads == 1 ? "" : "s") in this run")
    }

    /// The nominal peak, or the measured one where the clock is unknown.
    public static func standard(pool: ThreadPool) -> PeakThroughput {
        nominal(threads: pool.threads) ?? measured(pool: pool)
    }
}

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

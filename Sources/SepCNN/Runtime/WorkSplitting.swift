/// How many parts a step is split into: one per thread, unless the whole step is so small that
/// waking the workers would cost more than it saves. Below ~0.4 MFLOP, a few microseconds at
/// kernel speed, the caller runs it alone; waking a parked worker costs about that much.
func parallelParts(flops: Int, threads: Int, units: Int) -> Int {
    guard threads > 1, flops >= 400_000 else { return 1 }
    return max(1, min(threads, units))
}

/// Parts for a step whose parts the pool may rebalance: up to `partsPerThread` per thread, each at
/// least `minimumUnits` units and 4 MFLOP (fewer parts for less work), or 1 when `parallelParts` says so. Parts
/// beyond one per thread cost a little locality (each GEMM column part re-reads A from L2) and buy
/// robustness: when one thread is slowed, the others take its untouched parts (see `ThreadPool`).
func balancedParts(flops: Int, threads: Int, units: Int, minimumUnits: Int = 1) -> Int {
    let perThread = parallelParts(flops: flops, threads: threads, units: units)
    guard perThread > 1 else { return 1 }
    // Parts beyond one per thread only for steps of at least 4 MFLOP a part (≈ 35 µs): in smaller
    // ones the locality they cost showed more than the balance they buy.
    let extra = min(threads &* partsPerThread, flops / 4_000_000)
    let parts = max(1, min(max(perThread, extra), units / max(minimumUnits, 1)))
    // A whole number of parts per thread: 5 equal parts on 2 threads end after 3 (20 % later than 2
    // halves); MobileNetV2's 14×14 expand layers and stem were that much slower with 5 and 3.
    return parts >= threads ? parts / threads &* threads : parts
}

/// See `balancedParts`. Against one part per thread, alternated in one process (medians of 20
/// rounds, 2 threads): MobileNetV1 6.70 → 6.60 ms, MobileNetV2 3.83 → 3.81 ms.
let partsPerThread = 4

/// Part `part` of `0 ..< count` cut into `parts` contiguous ranges of nearly equal length. Every
/// boundary except the last falls on a multiple of `granule` (a kernel's row tile, say).
func partition(_ count: Int, parts: Int, part: Int, granule: Int = 1) -> Range<Int> {
    let units = (count + granule - 1) / granule
    let start = min(count, units * part / parts * granule)
    let end = part == parts - 1 ? count : min(count, units * (part + 1) / parts * granule)
    return start..<max(start, end)
}

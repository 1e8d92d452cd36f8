/// How many parts a step is split into: one per thread, unless the whole step is so small that
/// waking the workers would cost more than it saves. Below ~0.4 MFLOP, a few microseconds at
/// kernel speed, the caller runs it alone; waking a parked worker costs about that much.
func parallelParts(flops: Int, threads: Int, units: Int) -> Int {
    guard threads > 1, flops >= 400_000 else { return 1 }
    return max(1, min(threads, units))
}

/// Part `part` of `0 ..< count` cut into `parts` contiguous ranges of nearly equal length. Every
/// boundary except the last falls on a multiple of `granule` (a kernel's row tile, say).
func partition(_ count: Int, parts: Int, part: Int, granule: Int = 1) -> Range<Int> {
    let units = (count + granule - 1) / granule
    let start = min(count, units * part / parts * granule)
    let end = part == parts - 1 ? count : min(count, units * (part + 1) / parts * granule)
    return start..<max(start, end)
}

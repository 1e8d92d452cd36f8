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

/// Runs an elementwise pass over `0 ..< count` in one contiguous part per thread when the pass is big
/// enough to pay for waking the workers (the convolutions' rule, `cost` flop-equivalents per element),
/// else in one call. Part boundaries fall on multiples of `granule` elements.
func forEachPart(of count: Int, cost: Int, pool: ThreadPool, granule: Int = 64, _ body: (Range<Int>) -> Void) {
    let parts = parallelParts(flops: count &* cost, threads: pool.threads, units: (count + granule - 1) / granule)
    guard parts > 1 else { return body(0..<count) }
    pool.parallelFor(parts) { part in body(partition(count, parts: parts, part: part, granule: granule)) }
}

/// Flop-equivalents per element of a pass that streams memory: splitting a 28 K-float global mean
/// (1 µs) over two threads made it 2.4 µs, and passes run at ~25 floats/ns from L2, so 100 K floats
/// (~4 µs) is where a second thread starts to pay, as 0.4 MFLOP is for the convolutions.
let streamingCostPerElement = 4

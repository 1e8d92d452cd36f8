/// Where a step finds its values while a plan runs. Value 0 is the plan's input and the final
/// value is the caller's output buffer, so the last step writes its result in place; every
/// other value lives at its planned offset in the arena.
struct ExecutionContext {
    let input: UnsafePointer<Float>
    let output: UnsafeMutablePointer<Float>
    let outputValue: Int
    let arena: UnsafeMutablePointer<Float>
    let offsets: [Int]
    /// Shared by all steps (they run one after another), sized to the largest need.
    let scratch: UnsafeMutablePointer<Float>
    let pool: ThreadPool

    func read(_ value: Int) -> UnsafePointer<Float> {
        value == 0 ? input : UnsafePointer(write(value))
    }

    func write(_ value: Int) -> UnsafeMutablePointer<Float> {
        precondition(value != 0, "internal: a step may not write the plan's input")
        return value == outputValue ? output : arena + offsets[value]
    }
}

/// One operation of a compiled plan: reads some values, writes one, allocates nothing.
protocol PlanStep {
    /// The values it reads, by id.
    var inputs: [Int] { get }
    /// The value it writes.
    var output: Int { get }
    /// Floats of shared scratch it needs when run on `threads` threads.
    func scratchCount(threads: Int) -> Int
    /// A short label for profiles: the layer it came from and what was fused into it.
    var label: String { get }
    func run(_ context: ExecutionContext) throws
}

extension PlanStep {
    func scratchCount(threads: Int) -> Int { 0 }
}

/// Where a step finds its values while a plan runs. Value 0 is the plan's input and the final
/// value is the caller's output buffer, so the last step writes its result in place; every
/// other value lives at its planned byte offset in the arena, as its own element type.
struct ExecutionContext {
    let input: UnsafePointer<Float>
    let output: UnsafeMutablePointer<Float>
    let outputValue: Int
    let arena: UnsafeMutableRawPointer
    /// Byte offset of every value in the arena.
    let offsets: [Int]
    let values: [PlanValue]
    /// Shared by all steps (they run one after another), sized to the largest need.
    let scratch: UnsafeMutablePointer<Float>
    let pool: ThreadPool

    /// A float32 value's elements.
    func read(_ value: Int) -> UnsafePointer<Float> {
        value == 0 ? input : UnsafePointer(write(value))
    }

    func write(_ value: Int) -> UnsafeMutablePointer<Float> {
        precondition(values[value].elementType == .float32, "internal: value \(value) is \(values[value].elementType), not float32")
        return value == outputValue ? output : write(value, as: Float.self)
    }

    /// A value's elements as `Element`, which must have the value's element size. The arena's
    /// bytes are rebound on every access: a block holds values of different types over a run.
    /// An int8 value's elements (int8 values always live in the arena).
    func int8(_ value: Int) -> UnsafeMutablePointer<Int8> { write(value, as: Int8.self) }

    /// The shared scratch as bytes, for int8 steps.
    var scratchBytes: UnsafeMutableRawPointer { UnsafeMutableRawPointer(scratch) }

    func write<Element>(_ value: Int, as type: Element.Type) -> UnsafeMutablePointer<Element> {
        precondition(value != 0 && value != outputValue, "internal: the plan's input and output live outside the arena")
        precondition(MemoryLayout<Element>.size == values[value].elementType.byteSize, "internal: value \(value) is \(values[value].elementType)")
        return (arena + offsets[value]).bindMemory(to: Element.self, capacity: values[value].elementCount)
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

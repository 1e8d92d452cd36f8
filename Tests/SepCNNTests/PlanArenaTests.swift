import Testing
@testable import SepCNN

/// The plan's arena holds bytes: each value's size follows from its element type, and values of
/// different types share blocks once their lifetimes no longer overlap.
@Suite struct PlanArenaTests {
    @Test func valuesAreSizedByTheirElementType() {
        let shape = [1, 7, 7, 96]
        #expect(PlanValue(shape).byteCount == 7 * 7 * 96 * 4)
        #expect(PlanValue(shape, .int8(scale: 0.05, zeroPoint: -3)).byteCount == 7 * 7 * 96)
    }

    @Test func blocksStartOnCacheLinesAndAreReusedAcrossTypes() {
        var planner = BufferPlanner()
        let floats = planner.allocate(byteCount: PlanValue([1, 10, 10, 3]).byteCount)          // 1200 B → 1216
        let bytes = planner.allocate(byteCount: PlanValue([1, 10, 10, 3], .int8(scale: 1, zeroPoint: 0)).byteCount)  // 300 B → 320
        #expect(planner.offsets[floats] == 0 && planner.offsets[bytes] == 1216)
        planner.release(floats)
        // A later int8 value fits in the freed float block; the arena does not grow.
        let reused = planner.allocate(byteCount: 1000)
        #expect(planner.offsets[reused] == 0)
        #expect(planner.arenaByteCount == 1216 + 320)
    }

    @Test func stepsReadTheirValuesAtTheirByteOffsets() {
        let arena = UnsafeMutableRawPointer.allocate(byteCount: 256, alignment: 64)
        defer { arena.deallocate() }
        var input: Float = 0, output: Float = 0
        let values = [PlanValue([1]), PlanValue([16], .int8(scale: 0.5, zeroPoint: 0)), PlanValue([4]), PlanValue([1])]
        withUnsafeMutablePointer(to: &output) { out in
            withUnsafePointer(to: &input) { x in
                let context = ExecutionContext(input: x, output: out, outputValue: 3, arena: arena, offsets: [0, 64, 128, 0],
                                               values: values, scratch: out, pool: ThreadPool(threads: 1))
                #expect(UnsafeMutableRawPointer(context.write(1, as: Int8.self)) == arena + 64)
                #expect(UnsafeMutableRawPointer(context.write(2)) == arena + 128)
                #expect(context.write(3) == out)
                #expect(context.read(0) == x)
            }
        }
    }
}

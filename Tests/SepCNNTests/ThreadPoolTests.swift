import Foundation
import Synchronization
import Testing
@testable import SepCNN

@Suite struct ThreadPoolTests {
    @Test(arguments: [1, 2, 3, 4])
    func everyPartRunsExactlyOnce(_ threads: Int) {
        let pool = ThreadPool(threads: threads)
        for parts in [0, 1, 2, 3, 7, 64, 1000] {
            let counts = Mutex([Int](repeating: 0, count: parts))
            pool.parallelFor(parts) { part in counts.withLock { $0[part] += 1 } }
            #expect(counts.withLock { $0.allSatisfy { $0 == 1 } }, "\(parts) parts on \(threads) threads")
        }
    }

    @Test(arguments: [2, 3, 4])
    func threadIndicesAreValidAndNeverShared(_ threads: Int) {
        let pool = ThreadPool(threads: threads)
        let busy = Mutex([Bool](repeating: false, count: threads))
        let violations = Atomic<Int>(0), seen = Mutex(Set<Int>())
        for _ in 0..<50 {
            pool.parallelFor(4 * threads) { _, thread in
                guard thread >= 0 && thread < threads else { violations.add(1, ordering: .relaxed); return }
                if busy.withLock({ let was = $0[thread]; $0[thread] = true; return was }) { violations.add(1, ordering: .relaxed) }
                seen.withLock { _ = $0.insert(thread) }
                usleep(100)
                busy.withLock { $0[thread] = false }
            }
        }
        #expect(violations.load(ordering: .relaxed) == 0)
        #expect(seen.withLock { $0.contains(0) })
    }

    /// A worker held up in its first part (a descheduled vCPU, say) does not hold up the rest: the
    /// caller runs its own share and then every part the worker has not started.
    @Test func theCallerTakesTheStalledWorkersParts() {
        let pool = ThreadPool(threads: 2)
        let byCaller = Atomic<Int>(0)
        pool.parallelFor(16) { _, thread in
            if thread == 0 { byCaller.add(1, ordering: .relaxed) } else { usleep(200_000) }
        }
        #expect(byCaller.load(ordering: .relaxed) >= 15)
    }

    @Test func manyQuickJobsInARow() {
        let pool = ThreadPool(threads: 2)
        let total = Atomic<Int>(0)
        for _ in 0..<5000 {
            pool.parallelFor(2) { part in total.add(part + 1, ordering: .relaxed) }
        }
        #expect(total.load(ordering: .relaxed) == 5000 * 3)
    }

    /// Workers park after spinning; a job published long after must still wake them.
    @Test func parkedWorkersWakeUp() throws {
        let pool = ThreadPool(threads: 3)
        pool.parallelFor(3) { _ in }
        usleep(50_000)
        let total = Atomic<Int>(0)
        pool.parallelFor(30) { _ in total.add(1, ordering: .relaxed) }
        #expect(total.load(ordering: .relaxed) == 30)
    }

    @Test func poolsCanBeReleased() {
        for _ in 0..<20 {
            let pool = ThreadPool(threads: 2)
            pool.parallelFor(4) { _ in }
        }
    }

    @Test func sharedThreadCountIsValidated() {
        #expect(throws: SepCNNError.self) { try ThreadPool.setSharedThreads(0) }
        #expect(ThreadPool.defaultThreads >= 1)
    }
}

@Suite struct WorkSplittingTests {
    @Test(arguments: [(0, 1, 1), (10, 3, 1), (100, 2, 6), (49, 2, 8), (7, 4, 4), (1, 2, 1), (12544, 2, 6)])
    func partitionCoversEverythingOnce(_ count: Int, _ parts: Int, _ granule: Int) {
        var covered: [Int] = []
        for part in 0..<parts {
            let range = partition(count, parts: parts, part: part, granule: granule)
            if part < parts - 1 && !range.isEmpty { #expect(range.upperBound % granule == 0 || range.upperBound == count) }
            covered += Array(range)
        }
        #expect(covered == Array(0..<count))
    }

    @Test func smallWorkStaysOnTheCaller() {
        #expect(parallelParts(flops: 10_000, threads: 2, units: 100) == 1)
        #expect(parallelParts(flops: 10_000_000, threads: 2, units: 100) == 2)
        #expect(parallelParts(flops: 10_000_000, threads: 4, units: 3) == 3)
        #expect(parallelParts(flops: 10_000_000, threads: 1, units: 100) == 1)
    }

    @Test func balancedPartsAreSeveralPerThreadButNotTooSmall() {
        #expect(balancedParts(flops: 10_000, threads: 2, units: 100) == 1)
        #expect(balancedParts(flops: 100_000_000, threads: 2, units: 100) == 2 * partsPerThread)
        #expect(balancedParts(flops: 10_000_000, threads: 2, units: 100) == 2)  // 5 MFLOP a part is the least
        #expect(balancedParts(flops: 100_000_000, threads: 2, units: 100, minimumUnits: 40) == 2)
        #expect(balancedParts(flops: 100_000_000, threads: 2, units: 3) == 2)  // whole parts per thread
        #expect(balancedParts(flops: 100_000_000, threads: 3, units: 7) == 6)
        #expect(balancedParts(flops: 100_000_000, threads: 4, units: 3) == 3)
        #expect(balancedParts(flops: 10_000_000, threads: 1, units: 100) == 1)
    }

    @Test func gemmSplitsBySizeOfTheOperandEachPartRereads() {
        // MobileNetV2's 56×56×24→144: B is small, rows split finely.
        #expect(gemmSplit(m: 3136, k: 24, panels: 3, flops: 2 * 3136 * 24 * 144, threads: 2) == (4, true))  // 21.7 MFLOP
        // 14×14×512→512: B is 1 MB, so panels.
        #expect(gemmSplit(m: 196, k: 512, panels: 8, flops: 2 * 196 * 512 * 512, threads: 2) == (8, false))
        // 7×7×960→320: B is 1.2 MB and 5 panels: one part per thread, by rows (25 + 24 of 49).
        #expect(gemmSplit(m: 49, k: 960, panels: 5, flops: 2 * 49 * 960 * 320, threads: 2) == (2, true))
        // A Dense layer on one row: columns.
        #expect(gemmSplit(m: 1, k: 1024, panels: 16, flops: 2 * 1024 * 1000, threads: 2) == (2, false))
        #expect(gemmSplit(m: 49, k: 1024, panels: 16, flops: 2 * 49 * 1024 * 1024, threads: 2) == (8, false))
        #expect(gemmSplit(m: 1, k: 1024, panels: 16, flops: 2 * 1024 * 1000, threads: 1) == (1, true))
    }
}

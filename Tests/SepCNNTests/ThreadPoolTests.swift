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

    @Test func manyQuickJobsInARow() {
        let pool = ThreadPool(threads: 2)
        let total = Atomic<Int>(0)
        for _ in 0..<5000 {
            pool.parallelFor(2) { part in total.add(part + 1, ordering: .relaxed) }
        }
        #expect(total.load(ordering: .relaxed) == 5000 * 3)
    }

    /// The caller takes whatever parts no worker has claimed and returns without waiting for idle
    /// workers, so a late worker must find nothing of an earlier job: every part of every job, with
    /// its own part count, runs exactly once, and only while its job is running.
    @Test(arguments: [2, 3])
    func lateWorkersTakeNothingFromFinishedJobs(_ threads: Int) {
        let pool = ThreadPool(threads: threads)
        let stray = Atomic<Int>(0)
        for job in 0..<4000 {
            let parts = 1 + job % 5
            let counts = Mutex([Int](repeating: 0, count: parts))
            let running = Atomic<Bool>(true)
            pool.parallelFor(parts) { part in
                if !running.load(ordering: .sequentiallyConsistent) { stray.add(1, ordering: .relaxed) }
                counts.withLock { $0[part] += 1 }
            }
            running.store(false, ordering: .sequentiallyConsistent)
            #expect(counts.withLock { $0.allSatisfy { $0 == 1 } }, "job \(job), \(parts) parts")
        }
        #expect(stray.load(ordering: .relaxed) == 0)
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
}

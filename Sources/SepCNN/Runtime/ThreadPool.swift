import Foundation
import Synchronization

/// A persistent pool of worker threads that runs the parts of one job in parallel with the caller.
///
/// Why not Dispatch or task groups: on Linux, waking a pooled worker through them costs tens of
/// microseconds, more than a whole 7×7 layer takes (see `../shared/docs/fast-swift-kernels.md` §5).
/// Here `threads − 1` workers wait for a job by watching an atomic generation counter. They spin
/// for half a millisecond, then park on a condition variable: on a shared two-core machine a
/// worker that spins indefinitely steals the core the caller needs. The caller works on the job too.
public final class ThreadPool: @unchecked Sendable {
    /// Total threads working on a job, the caller included.
    public let threads: Int
    /// What workers and callers share. Workers hold it strongly, so it outlives the pool until they exit.
    private let state: SharedState
    /// Serialises callers: one job at a time.
    private let callerLock = Locked(())

    public init(threads: Int) {
        self.threads = max(1, threads)
        state = SharedState()
        for _ in 1..<self.threads {
            let state = self.state
            let thread = Thread { state.workerLoop() }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    deinit {
        state.shutDown()
    }

    /// Calls `body(part)` once for every part in `0 ..< parts`, spread over the pool's threads,
    /// and returns when all have finished. Parts must be independent. With one part, or a
    /// one-thread pool, everything runs on the caller.
    public func parallelFor(_ parts: Int, _ body: (Int) -> Void) {
        guard parts > 1, threads > 1 else {
            for part in 0..<max(parts, 0) { body(part) }
            return
        }
        precondition(parts <= SharedState.maximumParts, "parallelFor: \(parts) parts, more than \(SharedState.maximumParts)")
        callerLock.withLock { _ in
            withoutActuallyEscaping(body) { body in
                state.run(body, parts: parts)
            }
        }
    }

    private final class SharedState: @unchecked Sendable {
        private let generation = Atomic<Int>(0)
        /// The job's generation (24 bits), its part count and its next unclaimed part (20 bits each), in
        /// one word so a claim checks all three at once: a worker that wakes late finds another
        /// generation there and takes nothing, so the caller, which takes parts too, never waits for a
        /// worker that has not started (on a loaded machine a descheduled worker made a 10 µs step take
        /// 500 µs). With the count kept apart, a late worker read the next job's count beside this job's
        /// exhausted ticket and claimed a part twice.
        private let ticket = Atomic<Int>(0)
        private let completedParts = Atomic<Int>(0)
        private let parkedWorkers = Atomic<Int>(0)
        private let shuttingDown = Atomic<Bool>(false)
        private let wakeUp = NSCondition()
        /// Set by the caller before publishing a generation; read by a worker only once it has
        /// claimed a part of that generation, which keeps the caller waiting until the part is done.
        nonisolated(unsafe) private var job: ((Int) -> Void)?

        /// How long a waiting worker spins before parking. Long enough to bridge the serial steps
        /// between two threaded ones of an inference (a 14×14 depthwise layer alone can take 50 µs):
        /// waking a parked worker cost 50–60 µs on the project's virtual machine, where an idle
        /// vCPU halts, and a 12 µs int8 GEMM then took 76 µs on two threads. Short enough that a
        /// finished job frees the core soon after.
        private static let spinNanoseconds: UInt64 = 500_000
        /// Loads of the generation counter between two looks at the clock.
        private static let spinsPerClockRead = 512
        private static let partBits = 20, partMask = (1 << partBits) - 1
        /// Parts a job may have: what the ticket's fields hold.
        static let maximumParts = partMask
        /// A generation's low 24 bits, which is what the ticket holds.
        private static func tag(_ generation: Int) -> Int { generation & 0xFF_FFFF }

        func run(_ body: @escaping (Int) -> Void, parts: Int) {
            job = body
            completedParts.store(0, ordering: .sequentiallyConsistent)
            let jobGeneration = generation.load(ordering: .sequentiallyConsistent) &+ 1
            ticket.store(Self.tag(jobGeneration) &<< (2 &* Self.partBits) | parts &<< Self.partBits, ordering: .sequentiallyConsistent)
            publish()
            runParts(of: jobGeneration)
            var spins = 0
            while completedParts.load(ordering: .sequentiallyConsistent) < parts {
                spins += 1
                if spins > 1000 { sched_yield() }  // a worker runs the last part: give it the core
            }
            job = nil
        }

        func shutDown() {
            shuttingDown.store(true, ordering: .sequentiallyConsistent)
            publish()
        }

        private func publish() {
            generation.add(1, ordering: .sequentiallyConsistent)
            // A worker increments parkedWorkers before re-checking the generation, and we read it after
            // publishing: one of the two sees the other, so no wake-up is lost.
            if parkedWorkers.load(ordering: .sequentiallyConsistent) > 0 {
                wakeUp.lock()
                wakeUp.broadcast()
                wakeUp.unlock()
            }
        }

        /// Claims and runs parts of generation `jobGeneration` until none is left.
        private func runParts(of jobGeneration: Int) {
            while true {
                let current = ticket.load(ordering: .sequentiallyConsistent)
                let part = current & Self.partMask, count = (current >> Self.partBits) & Self.partMask
                guard Self.tag(current >> (2 &* Self.partBits)) == Self.tag(jobGeneration), part < count else { return }
                guard ticket.compareExchange(expected: current, desired: current &+ 1, ordering: .sequentiallyConsistent).exchanged else {
                    continue
                }
                job!(part)
                completedParts.add(1, ordering: .sequentiallyConsistent)
            }
        }

        func workerLoop() {
            // Not a load of `generation`: this thread may start after the first job was published,
            // and must not take that job for one it has already seen. Generations start at 0.
            var seen = 0
            while true {
                var spins = 0
                var deadline: UInt64 = 0
                while generation.load(ordering: .sequentiallyConsistent) == seen {
                    spins &+= 1
                    if spins % Self.spinsPerClockRead != 0 { continue }
                    let now = DispatchTime.now().uptimeNanoseconds
                    if deadline == 0 { deadline = now + Self.spinNanoseconds }
                    if now < deadline { continue }
                    wakeUp.lock()
                    parkedWorkers.add(1, ordering: .sequentiallyConsistent)
                    while generation.load(ordering: .sequentiallyConsistent) == seen {
                        wakeUp.wait()
                    }
                    parkedWorkers.subtract(1, ordering: .sequentiallyConsistent)
                    wakeUp.unlock()
                }
                seen = generation.load(ordering: .sequentiallyConsistent)
                if shuttingDown.load(ordering: .sequentiallyConsistent) { return }
                runParts(of: seen)
            }
        }
    }
}

extension ThreadPool {
    /// The pool layers and inference plans use unless given another. Its size comes from the
    /// `SEPCNN_THREADS` environment variable, or else the number of cores; `setSharedThreads` changes it.
    public static var shared: ThreadPool { sharedPool.withLock { $0 } }

    /// Replaces the shared pool with one of `threads` threads (1 turns threading off).
    public static func setSharedThreads(_ threads: Int) throws {
        guard threads >= 1, threads <= 256 else {
            throw SepCNNError.invalidArgument("the thread count must lie between 1 and 256, got \(threads)")
        }
        sharedPool.withLock { $0 = ThreadPool(threads: threads) }
    }

    /// Threads from `SEPCNN_THREADS` if set and valid, else the number of active cores. An invalid
    /// value is ignored here; the `sepcnn` tool refuses it first (`threadsFromEnvironment`).
    public static var defaultThreads: Int {
        if let threads = try? threadsFromEnvironment() { return threads }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }

    /// The thread count `SEPCNN_THREADS` asks for in `environment`: nil if it is unset or empty.
    /// Throws, quoting the value, unless it is a whole number between 1 and 256.
    public static func threadsFromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Int? {
        guard let text = environment["SEPCNN_THREADS"]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        guard let value = Int(text), (1...256).contains(value) else {
            let quoted = text.count > 40 ? String(text.prefix(40)) + "…" : text
            throw SepCNNError.invalidArgument("SEPCNN_THREADS must be a whole number of threads between 1 and 256, got '\(quoted)'")
        }
        return value
    }

    private static let sharedPool = Locked(ThreadPool(threads: defaultThreads))
}

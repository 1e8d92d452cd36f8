import Foundation

/// A value guarded by a lock, used where the standard library's `Mutex` would do.
///
/// Why not `Synchronization.Mutex`: on Linux its contended path (`_lockSlow`/`_unlockSlow`, a futex)
/// lives in the uninstrumented Synchronization library, so ThreadSanitizer never sees the hand-over
/// from one holder to the next, and reports every pair of accesses two threads make inside the same
/// locked section as a race (issue 17: 627 such warnings, from the shared random generator, the layer
/// registry and the thread pool's caller lock). `NSLock` is a `pthread_mutex_t`, whose lock and unlock
/// TSan intercepts, so a TSan run reports only real races.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}

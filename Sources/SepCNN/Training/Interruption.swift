import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns SIGINT (Ctrl-C) and SIGTERM into a request to stop that a training loop polls between
/// batches (`Trainer.fit`'s `shouldStop`), so the batch under way finishes and the checkpoint is
/// written before the process exits. A second signal while one is pending exits at once with
/// 128 + the signal's number: the last checkpoint on disk stays whole, as every write is atomic.
public enum Interruption {
    /// The signal received since `install()`, or 0.
    private static let received = Atomic<Int32>(0)

    /// Handles SIGINT and SIGTERM from now on (idempotent).
    public static func install() {
        _ = received.load(ordering: .relaxed)  // initialise the global here, not inside the handler
        for signalNumber in [SIGINT, SIGTERM] { _ = signal(signalNumber, handle) }
    }

    /// Restores the default handlers and forgets a pending request.
    public static func uninstall() {
        for signalNumber in [SIGINT, SIGTERM] { _ = signal(signalNumber, SIG_DFL) }
        received.store(0, ordering: .relaxed)
    }

    /// The signal that asked to stop (SIGINT or SIGTERM), or nil.
    public static var requested: Int32? {
        let value = received.load(ordering: .acquiring)
        return value == 0 ? nil : value
    }

    /// The exit status a shell reports for a process ended by `signalNumber`: 130 for SIGINT, 143 for SIGTERM.
    public static func exitStatus(for signalNumber: Int32) -> Int32 { 128 + signalNumber }

    /// Only async-signal-safe work: one atomic exchange, and `_exit` on a second signal.
    private static let handle: @convention(c) (Int32) -> Void = { signalNumber in
        if received.exchange(signalNumber, ordering: .acquiringAndReleasing) != 0 { _exit(128 + signalNumber) }
    }
}

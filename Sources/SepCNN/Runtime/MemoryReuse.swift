#if canImport(Glibc)
import Glibc
#endif

/// How training keeps its memory.
///
/// A training step allocates and frees the same large activations and gradients every time
/// (a fashion-sepcnn step at batch 64 moves a dozen 12 MB tensors). glibc hands blocks that size
/// back to the kernel as soon as they are freed, so the next step takes a page fault for every
/// 4 KB of them again: measured on the project machine, that doubled the time of a step (52 → 106
/// ms for fashion-sepcnn). Keeping freed memory in the process, as PyTorch's caching allocator
/// does, removes that cost; the price is that the process keeps its peak footprint.
public enum MemoryReuse {
    /// Applies the setting once per process; later calls do nothing. `Model.valueWithPullback`
    /// calls it, so training gets it without asking. Returns whether the platform supports it.
    @discardableResult
    public static func keepFreedMemory() -> Bool { applied }

    private static let applied: Bool = keepFreedMemoryInGlibc()
}

/// glibc's `mallopt`, found at run time: Swift's Glibc module does not export `<malloc.h>`, and the
/// library carries no C of its own beyond CPU-feature macros. Asks glibc to serve blocks up to
/// 32 MB (its ceiling) from the heap rather than their own mmap, and never to trim the heap top.
private func keepFreedMemoryInGlibc() -> Bool {
#if canImport(Glibc)
    typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return false }  // RTLD_DEFAULT
    let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
    // <malloc.h>: M_TRIM_THRESHOLD = -1, M_TOP_PAD = -2, M_MMAP_THRESHOLD = -3.
    let applied = mallopt(-3, 32 << 20) == 1 && mallopt(-1, Int32.max) == 1
    _ = mallopt(-2, 64 << 20)
    return applied
#else
    return false
#endif
}

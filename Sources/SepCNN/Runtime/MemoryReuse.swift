import CPUFeatures

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

    private static let applied: Bool = sepcnn_keep_freed_memory() != 0
}

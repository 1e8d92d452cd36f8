/// An immutable copy of some floats starting on a 64-byte boundary. Plans keep weights this way:
/// vector loads of `[Float]` storage (16-byte aligned) straddle cache lines and ran measurably slower.
final class AlignedFloats: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(_ values: [Float]) {
        count = values.count
        pointer = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Float>.size, alignment: 64)
            .bindMemory(to: Float.self, capacity: max(count, 1))
        values.withUnsafeBufferPointer { pointer.initialize(from: $0.baseAddress!, count: count) }
    }

    deinit {
        pointer.deallocate()
    }
}

/// Floats rounded up to whole 64-byte cache lines: where planned buffers start, so each starts on a line.
@inline(__always)
func roundedToCacheLine(_ count: Int) -> Int { (count + 15) & ~15 }

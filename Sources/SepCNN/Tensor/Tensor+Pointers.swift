// Pointer access for the layers that hand tensors to kernels.
extension Tensor {
    /// The base address of the elements, valid only inside `body`. An empty tensor yields a
    /// pointer that must not be read; kernels given zero-size shapes touch nothing.
    func withPointer<R>(_ body: (UnsafePointer<Float>) throws -> R) rethrows -> R {
        try scalars.withUnsafeBufferPointer { try body($0.baseAddress ?? UnsafePointer(bitPattern: 4)!) }
    }

    mutating func withMutablePointer<R>(_ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        try scalars.withUnsafeMutableBufferPointer { try body($0.baseAddress ?? UnsafeMutablePointer(bitPattern: 4)!) }
    }
}

/// Runs `body` with the tensor's base address, or nil when there is no tensor (an absent bias).
func withOptionalPointer<R>(_ tensor: Tensor?, _ body: (UnsafePointer<Float>?) throws -> R) rethrows -> R {
    guard let tensor else { return try body(nil) }
    return try tensor.withPointer { try body($0) }
}

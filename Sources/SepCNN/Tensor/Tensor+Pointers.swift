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

extension Tensor {
    /// A tensor of a shape the library computed, whose every element `body` writes through the
    /// pointer. Nothing is zeroed first: for kernel outputs that overwrite their whole buffer, the
    /// zero fill of `Tensor(uncheckedShape:)` would be one more pass over memory (training moves
    /// many 16 MB activations per step).
    static func computing(_ shape: [Int], _ body: (UnsafeMutablePointer<Float>) throws -> Void) rethrows -> Tensor {
        let count = shape.reduce(1, *)
        let scalars = try [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            try body(buffer.baseAddress ?? UnsafeMutablePointer(bitPattern: 4)!)
            initialized = count
        }
        return Tensor(uncheckedShape: shape, scalars: scalars)
    }
}

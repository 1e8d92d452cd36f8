extension Model {
    /// A 64-bit FNV-1a hash, as 16 hex digits, of the architecture (without class names, which
    /// change no output) and every parameter's and buffer's name, shape and bits: equal for the same
    /// model however it was stored (model file, checkpoint, ONNX import of the same graph), and
    /// different, with near certainty, after any change to a weight. It detects accidents (a teacher
    /// file retrained or replaced between a run and its resumption); it is not a cryptographic hash.
    public func fingerprint() throws -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ byte: UInt8) { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        func mix(_ word: UInt32) { for shift in stride(from: 0, to: 32, by: 8) { mix(UInt8(truncatingIfNeeded: word >> UInt32(shift))) } }
        var description = try modelDescription()
        description.classNames = nil
        for byte in try description.json().utf8 { mix(byte) }
        for (name, parameter) in namedParameters() {
            for byte in name.utf8 { mix(byte) }
            for dimension in parameter.shape { mix(UInt32(truncatingIfNeeded: dimension)) }
            parameter.value.withPointer { p in
                for i in 0..<parameter.value.count { mix(p[i].bitPattern) }
            }
        }
        return String(hash, radix: 16).leftPadded(to: 16)
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

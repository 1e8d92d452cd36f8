/// A dense float32 tensor, stored contiguously in row-major order.
///
/// Images and feature maps are **NHWC** (batch, height, width, channels), the layout of
/// TensorFlow Lite and XNNPACK: the channels of one pixel sit next to each other, which is what
/// depthwise and pointwise kernels want to vectorize over. `fromNCHW`/`toNCHW` convert at the
/// edges. `Tensor` is a value type; its storage is copied on write.
public struct Tensor: Equatable, Sendable {
    /// Extent of each dimension, outermost first.
    public private(set) var shape: [Int]
    /// The elements in row-major order; `scalars.count == shape.reduce(1, *)` always holds.
    public internal(set) var scalars: [Float]

    /// A tensor with the given shape and elements. Throws if the counts disagree or a dimension is negative.
    public init(shape: [Int], scalars: [Float]) throws {
        try Tensor.validate(shape)
        let count = shape.reduce(1, *)
        guard scalars.count == count else {
            throw SepCNNError.shapeMismatch(
                "shape \(describe(shape)) holds \(count) elements, but \(scalars.count) were given")
        }
        self.shape = shape
        self.scalars = scalars
    }

    /// A tensor of `shape` with every element equal to `value`. Throws on a negative dimension.
    public init(shape: [Int], repeating value: Float) throws {
        try Tensor.validate(shape)
        self.shape = shape
        self.scalars = Array(repeating: value, count: shape.reduce(1, *))
    }

    /// Internal initialiser for shapes the library computed itself (already validated).
    init(uncheckedShape shape: [Int], repeating value: Float = 0) {
        self.shape = shape
        self.scalars = Array(repeating: value, count: shape.reduce(1, *))
    }

    init(uncheckedShape shape: [Int], scalars: [Float]) {
        precondition(scalars.count == shape.reduce(1, *), "internal: element count does not match shape")
        self.shape = shape
        self.scalars = scalars
    }

    public static func zeros(_ shape: [Int]) throws -> Tensor { try Tensor(shape: shape, repeating: 0) }
    public static func ones(_ shape: [Int]) throws -> Tensor { try Tensor(shape: shape, repeating: 1) }
    public static func filled(_ shape: [Int], with value: Float) throws -> Tensor {
        try Tensor(shape: shape, repeating: value)
    }

    public var rank: Int { shape.count }
    public var count: Int { scalars.count }

    /// The element at a full index (one coordinate per dimension).
    public subscript(index: Int...) -> Float {
        get { scalars[offset(of: index)] }
        set { scalars[offset(of: index)] = newValue }
    }

    /// The same elements under another shape with the same element count.
    public func reshaped(to newShape: [Int]) throws -> Tensor {
        try Tensor.validate(newShape)
        guard newShape.reduce(1, *) == count else {
            throw SepCNNError.shapeMismatch("cannot reshape \(describe(shape)) to \(describe(newShape))")
        }
        return Tensor(uncheckedShape: newShape, scalars: scalars)
    }

    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try scalars.withUnsafeBufferPointer(body)
    }

    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        try scalars.withUnsafeMutableBufferPointer { try body($0) }
    }

    /// Largest absolute difference between two tensors of the same shape (∞ if shapes differ).
    public func maxAbsoluteDifference(_ other: Tensor) -> Float {
        guard shape == other.shape else { return .infinity }
        var worst: Float = 0
        for i in scalars.indices { worst = max(worst, abs(scalars[i] - other.scalars[i])) }
        return worst
    }

    private func offset(of index: [Int]) -> Int {
        precondition(index.count == shape.count, "index \(index) has \(index.count) coordinates; tensor has rank \(rank)")
        var offset = 0
        for (i, extent) in zip(index, shape) {
            precondition(i >= 0 && i < extent, "index \(index) out of range for shape \(describe(shape))")
            offset = offset * extent + i
        }
        return offset
    }

    /// 2³² elements: 16 GiB of float32.
    static let maximumElementCount = 1 << 32

    static func validate(_ shape: [Int]) throws {
        if let bad = shape.first(where: { $0 < 0 }) {
            throw SepCNNError.shapeMismatch("shape \(describe(shape)) has a negative dimension \(bad)")
        }
        // Refuse what no machine could hold (or what overflows Int) with an error, not a trap.
        var total = 1
        for extent in shape {
            let (product, overflow) = total.multipliedReportingOverflow(by: extent)
            guard !overflow, product <= maximumElementCount else {
                throw SepCNNError.shapeMismatch(
                    "shape \(describe(shape)) has too many elements (at most \(maximumElementCount), 16 GiB of float32, are allowed)")
            }
            total = product
        }
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let preview = scalars.prefix(8).map { "\($0)" }.joined(separator: ", ")
        return "Tensor(\(describe(shape)): [\(preview)\(count > 8 ? ", …" : "")])"
    }
}

extension Tensor {
    /// Whether every element is finite (no NaN, no infinity). One pass: x − x is 0 for finite x
    /// and NaN otherwise, so the sum of those differences is 0 exactly when all are finite.
    public var isFinite: Bool {
        scalars.withUnsafeBufferPointer { x in
            var sum: Float = 0
            for value in x { sum += value - value }
            return sum == 0
        }
    }
}

/// Maximum over sliding windows of each channel (PyTorch `MaxPool2d`, Keras `MaxPooling2D`).
/// `stride` defaults to `poolSize`, as in both.
public final class MaxPool2D: Layer {
    public let poolSize: Size2D
    public let stride: Size2D
    public let padding: Padding
    let window: Window

    /// - Parameters:
    ///   - poolSize: window height and width in pixels (PyTorch `kernel_size`, Keras `pool_size`); an
    ///     integer literal means both.
    ///   - stride: step of the window in pixels; nil (the default) means `poolSize`, as in both frameworks.
    ///   - padding: `.valid` (default), `.same` or `.explicit` pixels per side; padded pixels never win the
    ///     maximum (they count as −∞, as in PyTorch).
    /// - Throws: ``SepCNNError`` if a window side or stride is not positive (or above 2¹⁶), or explicit
    ///   padding is negative.
    public init(poolSize: Size2D, stride: Size2D? = nil, padding: Padding = .valid) throws {
        self.poolSize = poolSize
        self.stride = stride ?? poolSize
        self.padding = padding
        window = Window(kernel: poolSize, stride: stride ?? poolSize, dilation: 1, padding: padding)
        try window.validate("MaxPool2D")
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        try poolOutputShape(window, typeName, inputShape)
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        try runPool(window, typeName, input, .max)
    }

    public func forwardWithPullback(_ input: Tensor, training: Bool) throws -> (output: Tensor, pullback: Pullback) {
        let output = try forward(input, training: training)
        let g = try window.geometry(typeName, input: input.shape, outputChannels: input.shape[3], groups: input.shape[3])
        return (output, { [self] gradOutput in
            try requireGradientShape(gradOutput, output.shape, typeName)
            return Tensor.computing(input.shape) { dx in
                input.withPointer { x in
                    output.withPointer { y in
                        gradOutput.withPointer { dy in
                            let cost = streamingCostPerElement &* g.inputHeight &* g.inputWidth &* g.inputChannels
                            forEachPart(of: g.batch, cost: cost, pool: .shared, granule: 1) { images in
                                maxPool2DBackward(g, input: x, output: y, gradOutput: dy, gradInput: dx, images: images)
                            }
                        }
                    }
                }
            }
        })
    }
}

/// Mean over sliding windows of each channel (PyTorch `AvgPool2d`, Keras `AveragePooling2D`).
///
/// `countIncludesPadding` picks the divisor at the borders: false (the default, as TensorFlow,
/// Keras and ONNX) divides by the in-bounds elements; true (PyTorch's default) by the full window.
public final class AvgPool2D: Layer {
    public let poolSize: Size2D
    public let stride: Size2D
    public let padding: Padding
    public let countIncludesPadding: Bool
    let window: Window

    /// - Parameters:
    ///   - poolSize: window height and width in pixels (PyTorch `kernel_size`, Keras `pool_size`); an
    ///     integer literal means both.
    ///   - stride: step of the window in pixels; nil (the default) means `poolSize`, as in both frameworks.
    ///   - padding: `.valid` (default), `.same` or `.explicit` pixels per side.
    ///   - countIncludesPadding: whether border windows divide by the full window (true, PyTorch's
    ///     default `count_include_pad=True`) or by their in-bounds pixels (false, the default here, as
    ///     TensorFlow, Keras and ONNX). Set true to match a PyTorch model with padding.
    /// - Throws: ``SepCNNError`` if a window side or stride is not positive (or above 2¹⁶), or explicit
    ///   padding is negative.
    public init(poolSize: Size2D, stride: Size2D? = nil, padding: Padding = .valid,
                countIncludesPadding: Bool = false) throws {
        self.poolSize = poolSize
        self.stride = stride ?? poolSize
        self.padding = padding
        self.countIncludesPadding = countIncludesPadding
        window = Window(kernel: poolSize, stride: stride ?? poolSize, dilation: 1, padding: padding)
        try window.validate("AvgPool2D")
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        try poolOutputShape(window, typeName, inputShape)
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        try runPool(window, typeName, input, .average(countIncludesPadding: countIncludesPadding))
    }

    public func forwardWithPullback(_ input: Tensor, training: Bool) throws -> (output: Tensor, pullback: Pullback) {
        let output = try forward(input, training: training)
        let g = try window.geometry(typeName, input: input.shape, outputChannels: input.shape[3], groups: input.shape[3])
        return (output, { [self] gradOutput in
            try requireGradientShape(gradOutput, output.shape, typeName)
            return Tensor.computing(input.shape) { dx in
                gradOutput.withPointer { dy in
                    avgPool2DBackward(g, countIncludesPadding: countIncludesPadding, gradOutput: dy, gradInput: dx)
                }
            }
        })
    }
}

/// Mean over all pixels of each channel: `[N, H, W, C]` → `[N, C]` (Keras `GlobalAveragePooling2D`),
/// or `[N, 1, 1, C]` with `keepDims` (PyTorch `AdaptiveAvgPool2d(1)`, the squeeze of squeeze-and-excitation).
public final class GlobalAvgPool: Layer {
    public let keepDims: Bool

    /// - Parameter keepDims: whether the output keeps unit height and width, `[N, 1, 1, C]` (PyTorch
    ///   `AdaptiveAvgPool2d(1)`, Keras `keepdims=True`), instead of `[N, C]` (default false, ready for
    ///   a ``Dense`` layer).
    public init(keepDims: Bool = false) {
        self.keepDims = keepDims
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        try requireNHWC(inputShape, typeName)
        return keepDims ? [inputShape[0], 1, 1, inputShape[3]] : [inputShape[0], inputShape[3]]
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        let shape = try outputShape(for: input.shape)
        return try GlobalAveragePoolingOperator(inputShape: input.shape)(input, outputShape: shape)
    }

    public func forwardWithPullback(_ input: Tensor, training: Bool) throws -> (output: Tensor, pullback: Pullback) {
        let output = try forward(input, training: training)
        return (output, { [self] gradOutput in
            try requireGradientShape(gradOutput, output.shape, typeName)
            let s = input.shape
            return Tensor.computing(s) { dx in
                gradOutput.withPointer { dy in
                    globalAvgPoolBackward(batch: s[0], pixels: s[1] * s[2], channels: s[3], gradOutput: dy, gradInput: dx)
                }
            }
        })
    }
}

private func poolOutputShape(_ window: Window, _ layer: String, _ inputShape: [Int]) throws -> [Int] {
    try requireNHWC(inputShape, layer)
    let g = try window.geometry(layer, input: inputShape, outputChannels: inputShape[3], groups: inputShape[3])
    return [g.batch, g.outputHeight, g.outputWidth, g.outputChannels]
}

private func runPool(_ window: Window, _ layer: String, _ input: Tensor, _ kind: PoolingOperator.Kind) throws -> Tensor {
    try requireNHWC(input.shape, layer)
    let g = try window.geometry(layer, input: input.shape, outputChannels: input.shape[3], groups: input.shape[3])
    return try PoolingOperator(kind, g)(input, outputShape: [g.batch, g.outputHeight, g.outputWidth, g.outputChannels])
}

extension MaxPool2D: LowerableLayer {
    func lower(into builder: inout PlanBuilder, input: Int, label: String) throws -> Int {
        try lowerPool(window, typeName, .max, into: &builder, input: input, label: label)
    }
}

extension AvgPool2D: LowerableLayer {
    func lower(into builder: inout PlanBuilder, input: Int, label: String) throws -> Int {
        try lowerPool(window, typeName, .average(countIncludesPadding: countIncludesPadding), into: &builder, input: input, label: label)
    }
}

private func lowerPool(_ window: Window, _ layer: String, _ kind: PoolingOperator.Kind,
                       into builder: inout PlanBuilder, input: Int, label: String) throws -> Int {
    let shape = builder.shape(of: input)
    try requireNHWC(shape, layer)
    let g = try window.geometry(layer, input: shape, outputChannels: shape[3], groups: shape[3])
    let output = [g.batch, g.outputHeight, g.outputWidth, g.outputChannels]
    // In int8 pooling keeps its input's grid (TFLite's rule), so no requantisation is needed.
    if let q = builder.quantization(of: input) {
        return builder.emit(qs8: try QS8PoolingOperator(kind, g, quantization: q), input: input, shape: output, quantization: q, label: label)
    }
    return builder.emit(try PoolingOperator(kind, g), input: input, shape: output, label: label)
}

extension GlobalAvgPool: LowerableLayer {
    func lower(into builder: inout PlanBuilder, input: Int, label: String) throws -> Int {
        let shape = builder.shape(of: input)
        if let q = builder.quantization(of: input) {
            return builder.emit(qs8: try QS8GlobalAveragePoolingOperator(inputShape: shape, quantization: q), input: input,
                                shape: try outputShape(for: shape), quantization: q, label: label)
        }
        return builder.emit(try GlobalAveragePoolingOperator(inputShape: shape), input: input, shape: try outputShape(for: shape),
                            label: label)
    }
}

extension MaxPool2D: DescribableLayer {
    public struct Configuration: Codable, Equatable, Sendable {
        public var poolSize: Size2D
        public var stride: Size2D
        public var padding: Padding
    }

    public var configuration: Configuration { Configuration(poolSize: poolSize, stride: stride, padding: padding) }

    public convenience init(configuration c: Configuration, children: [(name: String, layer: any Layer)]) throws {
        try self.init(poolSize: c.poolSize, stride: c.stride, padding: c.padding)
    }
}

extension AvgPool2D: DescribableLayer {
    public struct Configuration: Codable, Equatable, Sendable {
        public var poolSize: Size2D
        public var stride: Size2D
        public var padding: Padding
        public var countIncludesPadding: Bool
    }

    public var configuration: Configuration {
        Configuration(poolSize: poolSize, stride: stride, padding: padding, countIncludesPadding: countIncludesPadding)
    }

    public convenience init(configuration c: Configuration, children: [(name: String, layer: any Layer)]) throws {
        try self.init(poolSize: c.poolSize, stride: c.stride, padding: c.padding, countIncludesPadding: c.countIncludesPadding)
    }
}

extension GlobalAvgPool: DescribableLayer {
    public struct Configuration: Codable, Equatable, Sendable {
        public var keepDims: Bool
    }

    public var configuration: Configuration { Configuration(keepDims: keepDims) }

    public convenience init(configuration c: Configuration, children: [(name: String, layer: any Layer)]) throws {
        self.init(keepDims: c.keepDims)
    }
}

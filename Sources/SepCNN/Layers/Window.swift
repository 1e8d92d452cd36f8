/// A height and a width, e.g. a kernel size or stride. An integer literal means both: `kernelSize: 3`.
public struct Size2D: Hashable, Sendable, ExpressibleByIntegerLiteral, CustomStringConvertible {
    public var height: Int
    public var width: Int

    /// - Parameters:
    ///   - height: the vertical extent, in pixels (PyTorch's and Keras's first element of a pair).
    ///   - width: the horizontal extent, in pixels.
    public init(_ height: Int, _ width: Int) {
        self.height = height
        self.width = width
    }

    /// - Parameter both: the height and the width, in pixels (a square window).
    public init(_ both: Int) { self.init(both, both) }
    public init(integerLiteral value: Int) { self.init(value) }

    public var description: String { height == width ? "\(height)" : "\(height)×\(width)" }
}

/// How a convolution or pooling window treats the borders of its input.
public enum Padding: Hashable, Sendable {
    /// No padding: the window stays inside the input.
    case valid
    /// TensorFlow/Keras `same`: the output has ⌈input / stride⌉ pixels; the zero padding needed is
    /// split evenly, any odd pixel going to the bottom/right (ONNX `SAME_UPPER`).
    case same
    /// Explicit zero padding on each side, as in PyTorch `padding=` or ONNX `pads`.
    case explicit(top: Int, bottom: Int, left: Int, right: Int)

    /// The same padding on all four sides (PyTorch `padding=p`).
    public static func explicit(_ all: Int) -> Padding {
        .explicit(top: all, bottom: all, left: all, right: all)
    }
}

/// The sliding-window arithmetic convolutions and pooling share: kernel, stride, dilation, padding.
struct Window: Hashable, Sendable {
    var kernel: Size2D
    var stride: Size2D
    var dilation: Size2D
    var padding: Padding

    /// The largest kernel side, stride, dilation or padding accepted: 2¹⁶, beyond any real layer, so
    /// the window arithmetic (dilated kernels, padded inputs, products of sides) cannot overflow.
    static let maximumExtent = 1 << 16

    /// Throws unless every size lies in 1...`maximumExtent` and explicit padding in 0...`maximumExtent`.
    func validate(_ layer: String) throws {
        func require(_ value: Int, _ what: String, from low: Int = 1) throws {
            guard (low...Self.maximumExtent).contains(value) else {
                throw SepCNNError.invalidArgument(low == 1 && value <= 0
                    ? "\(layer): \(what) must be positive, got \(value)"
                    : "\(layer): \(what) must lie between \(low) and \(Self.maximumExtent), got \(value)")
            }
        }
        try require(kernel.height, "kernel height")
        try require(kernel.width, "kernel width")
        try require(stride.height, "stride")
        try require(stride.width, "stride")
        try require(dilation.height, "dilation")
        try require(dilation.width, "dilation")
        if case let .explicit(top, bottom, left, right) = padding {
            guard min(top, bottom, left, right) >= 0 else {
                throw SepCNNError.invalidArgument("\(layer): padding must not be negative, got \(padding)")
            }
            for side in [top, bottom, left, right] { try require(side, "padding", from: 0) }
        }
    }

    var effectiveKernel: Size2D {
        Size2D((kernel.height - 1) * dilation.height + 1, (kernel.width - 1) * dilation.width + 1)
    }

    /// Padding before and after, and the output length, along one axis.
    private func resolve(input: Int, kernel: Int, stride: Int, before: Int, after: Int) -> (before: Int, output: Int) {
        switch padding {
        case .valid:
            return (0, input >= kernel ? (input - kernel) / stride + 1 : 0)
        case .same:
            let output = (input + stride - 1) / stride
            let total = max((output - 1) * stride + kernel - input, 0)
            return (total / 2, input > 0 ? output : 0)
        case .explicit:
            let padded = input + before + after
            return (before, padded >= kernel ? (padded - kernel) / stride + 1 : 0)
        }
    }

    /// The kernel geometry for an NHWC input shape. Throws if the (dilated) kernel does not fit the padded input.
    func geometry(_ layer: String, input: [Int], outputChannels: Int, groups: Int) throws -> ConvGeometry {
        let effective = effectiveKernel
        var pads = (top: 0, bottom: 0, left: 0, right: 0)
        if case let .explicit(top, bottom, left, right) = padding { pads = (top, bottom, left, right) }
        let rows = resolve(input: input[1], kernel: effective.height, stride: stride.height, before: pads.top, after: pads.bottom)
        let cols = resolve(input: input[2], kernel: effective.width, stride: stride.width, before: pads.left, after: pads.right)
        guard rows.output > 0, cols.output > 0 else {
            let dilated = dilation == 1 ? "" : " (dilated to \(effective.height)×\(effective.width))"
            throw SepCNNError.shapeMismatch(
                "\(layer): kernel \(kernel.height)×\(kernel.width)\(dilated) is larger than the padded input "
                    + "\(input[1] + pads.top + pads.bottom)×\(input[2] + pads.left + pads.right) of input \(describe(input)) with padding \(padding)")
        }
        return ConvGeometry(
            batch: input[0], inputHeight: input[1], inputWidth: input[2], inputChannels: input[3],
            outputHeight: rows.output, outputWidth: cols.output, outputChannels: outputChannels,
            kernelHeight: kernel.height, kernelWidth: kernel.width,
            strideHeight: stride.height, strideWidth: stride.width,
            dilationHeight: dilation.height, dilationWidth: dilation.width,
            padTop: rows.before, padLeft: cols.before, groups: groups)
    }
}

extension Padding: CustomStringConvertible {
    public var description: String {
        switch self {
        case .valid: return "valid"
        case .same: return "same"
        case let .explicit(top, bottom, left, right):
            return top == bottom && bottom == left && left == right ? "\(top)" : "(top \(top), bottom \(bottom), left \(left), right \(right))"
        }
    }
}

// In descriptions a size reads {"height": 3, "width": 3} and padding "valid", "same" or
// {"top": 1, "bottom": 1, "left": 1, "right": 1}.
extension Size2D: Codable {}

extension Padding: Codable {
    private struct Sides: Codable { var top, bottom, left, right: Int }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let name = try? container.decode(String.self) {
            switch name {
            case "valid": self = .valid
            case "same": self = .same
            default:
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "padding '\(name)' is not 'valid', 'same' or four sides")
            }
            return
        }
        let sides = try container.decode(Sides.self)
        self = .explicit(top: sides.top, bottom: sides.bottom, left: sides.left, right: sides.right)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .valid: try container.encode("valid")
        case .same: try container.encode("same")
        case let .explicit(top, bottom, left, right): try container.encode(Sides(top: top, bottom: bottom, left: left, right: right))
        }
    }
}

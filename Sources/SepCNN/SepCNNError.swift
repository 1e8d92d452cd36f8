import Foundation

/// The one error type SepCNN throws. Its message names what was wrong; `layerPath` names where.
///
/// Containers prefix the path of the child that failed, so an error raised deep inside a model
/// reads `features.3.depthwise: DepthwiseConv2D expects 32 input channels, got input [1, 56, 56, 16]`.
public struct SepCNNError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// A constructor argument or option is out of range (zero stride, unknown model name, ...).
        case invalidArgument
        /// A tensor's shape does not fit the operation it is given to.
        case shapeMismatch
        /// A file (dataset, model, compressed stream) is missing, truncated or malformed.
        case invalidFile
    }

    public var kind: Kind
    public var message: String
    /// Dotted path of the layer that raised the error, if it came from inside a model.
    public var layerPath: String?

    public init(_ kind: Kind, _ message: String, layerPath: String? = nil) {
        self.kind = kind
        self.message = message
        self.layerPath = layerPath
    }

    public static func invalidArgument(_ message: String) -> SepCNNError {
        SepCNNError(.invalidArgument, message)
    }

    public static func shapeMismatch(_ message: String) -> SepCNNError {
        SepCNNError(.shapeMismatch, message)
    }

    public static func invalidFile(_ message: String) -> SepCNNError {
        SepCNNError(.invalidFile, message)
    }

    /// The same error seen from one level up: `name` becomes the first component of the path.
    public func inside(_ name: String) -> SepCNNError {
        var copy = self
        copy.layerPath = layerPath.map { "\(name).\($0)" } ?? name
        return copy
    }

    public var description: String {
        layerPath.map { "\($0): \(message)" } ?? message
    }
}

/// Runs `body`, attributing any SepCNN error it throws to the child called `name`.
@inline(__always)
func within<T>(_ name: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as SepCNNError {
        throw error.inside(name)
    }
}

/// `[1, 56, 56, 16]`: how shapes appear in messages.
func describe(_ shape: [Int]) -> String {
    "[" + shape.map(String.init).joined(separator: ", ") + "]"
}

extension SepCNNError: LocalizedError {
    public var errorDescription: String? { description }
}

/// Marks where a quantized model's values are int8: the value passing through is rounded to the
/// grid of `quantization` (`scale · (q − zeroPoint)`, q saturated to [−128, 127]), as PyTorch's
/// `FakeQuantize` and an ONNX QuantizeLinear → DequantizeLinear pair do.
///
/// In float (training, the layer path) it rounds and returns floats; an `InferencePlan` turns it
/// into the int8 boundary it stands for: the convolution, addition or pooling before it writes
/// int8 in its store, and the layers after it read int8. Its gradient is the straight-through
/// estimate: passed where the input is inside the representable range, zero outside.
///
/// While `observer` is set (calibration), values pass unchanged and the observer records them.
public final class FakeQuantize: Layer {
    /// Set once calibration has measured the range (`PostTrainingQuantizer`).
    public internal(set) var quantization: QuantizationParameters
    /// Calibration's statistics; set by `PostTrainingQuantizer` only while it calibrates.
    var observer: RangeObserver?
    /// Called with every output (calibration's and the quantization report's probe).
    var recorder: ((Tensor) -> Void)?

    /// - Parameter quantization: the int8 grid values are rounded to: real = scale · (q − zeroPoint).
    ///   ``PostTrainingQuantizer`` inserts these layers with a placeholder and calibrates the grid;
    ///   build one by hand only with a grid you know (from a QDQ ONNX file, say).
    public init(_ quantization: QuantizationParameters) {
        self.quantization = quantization
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        if let observer {
            input.withPointer { observer.observe(UnsafeBufferPointer(start: $0, count: input.count)) }
            recorder?(input)
            return input
        }
        let q = quantization
        let output = Tensor.computing(input.shape) { y in
            input.withPointer { x in for i in 0..<input.count { y[i] = q.dequantize(q.quantize(x[i])) } }
        }
        recorder?(output)
        return output
    }

    public func forwardWithPullback(_ input: Tensor, training: Bool) throws -> (output: Tensor, pullback: Pullback) {
        let output = try forward(input, training: training)
        let range = quantization.representableRange
        return (output, { [self] gradOutput in
            try requireGradientShape(gradOutput, input.shape, typeName)
            return Tensor.computing(input.shape) { dx in
                input.withPointer { x in
                    gradOutput.withPointer { dy in
                        for i in 0..<input.count { dx[i] = range.contains(x[i]) ? dy[i] : 0 }
                    }
                }
            }
        })
    }
}

extension FakeQuantize: DescribableLayer {
    public struct Configuration: Codable, Equatable, Sendable {
        public var scale: Float
        public var zeroPoint: Int
    }

    public var configuration: Configuration {
        Configuration(scale: quantization.scale, zeroPoint: Int(quantization.zeroPoint))
    }

    public convenience init(configuration c: Configuration, children: [(name: String, layer: any Layer)]) throws {
        guard let zeroPoint = Int8(exactly: c.zeroPoint) else {
            throw SepCNNError.invalidFile("FakeQuantize: zero point \(c.zeroPoint) is outside the int8 range [−128, 127]")
        }
        self.init(try QuantizationParameters(scale: c.scale, zeroPoint: zeroPoint))
    }
}

// Pieces every layer's pullback shares: shape checks, gradient accumulation, fused activations.

extension Parameter {
    /// Adds `delta` into `gradient` (which starts as `delta` when nil), as PyTorch accumulates
    /// `.grad`. Frozen parameters (`isTrainable == false`, such as BatchNorm's running statistics)
    /// are left alone.
    func accumulateGradient(_ delta: Tensor) {
        guard isTrainable else { return }
        guard gradient?.shape == delta.shape else {
            gradient = delta
            return
        }
        // In place through the optional: no copy of the stored gradient.
        gradient!.withMutablePointer { t in delta.withPointer { d in addInPlace(t, d, count: delta.count) } }
    }
}

/// Throws unless the gradient handed to a pullback has the shape of the output it belongs to.
func requireGradientShape(_ gradient: Tensor, _ outputShape: [Int], _ layer: String) throws {
    guard gradient.shape == outputShape else {
        throw SepCNNError.shapeMismatch(
            "\(layer): the output gradient has shape \(describe(gradient.shape)), but the output was \(describe(outputShape))")
    }
}

/// A layer's fused activation applied in its own pass, keeping `preActivation` for the pullback.
func applying(_ activation: Activation, to preActivation: Tensor) -> Tensor {
    guard activation != .linear else { return preActivation }
    let operation = ActivationOperator(activation: activation, count: preActivation.count)
    return Tensor.computing(preActivation.shape) { y in
        preActivation.withPointer { x in operation.run(input: x, output: y, scratch: y, pool: .shared) }  // needs no scratch
    }
}

/// The gradient of the pre-activation given the output's: gradOutput · activation′(preActivation).
func activationGradient(_ activation: Activation, preActivation: Tensor, gradOutput: Tensor) -> Tensor {
    guard activation != .linear else { return gradOutput }
    return Tensor.computing(gradOutput.shape) { dx in
        preActivation.withPointer { x in
            gradOutput.withPointer { dy in
                forEachPart(of: gradOutput.count, cost: activation.passCostPerElement, pool: .shared) { part in
                    let i = part.lowerBound
                    activationBackward(activation, input: x + i, gradOutput: dy + i, gradInput: dx + i, count: part.count)
                }
            }
        }
    }
}

/// The optional gradient buffer of an optional bias, as a pointer or nil.
func withOptionalMutablePointer<R>(_ tensor: inout Tensor?, _ body: (UnsafeMutablePointer<Float>?) throws -> R) rethrows -> R {
    guard tensor != nil else { return try body(nil) }
    return try tensor!.withMutablePointer { try body($0) }
}

/// The kernel of a weighted layer's backward pass: from the input `x`, the weights `w` and the
/// gradient `dy` of the pre-activation output, it writes every element of the input gradient `dx`,
/// of the weight gradient `dw` and, when there is a bias, of the bias gradient `db`.
typealias WeightedBackwardKernel = (_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                                    _ dx: UnsafeMutablePointer<Float>, _ dw: UnsafeMutablePointer<Float>,
                                    _ db: UnsafeMutablePointer<Float>?) -> Void

/// The pullback every weighted layer (convolutions, Dense) shares: output = activation(linear);
/// it differentiates the activation, runs `kernel`, and accumulates the weight and bias gradients.
func weightedLayerPullback(_ layer: String, input: Tensor, linear: Tensor, output: Tensor, activation: Activation,
                           weight: Parameter, bias: Parameter?, kernel: @escaping WeightedBackwardKernel) -> Layer.Pullback {
    let weights = weight.value
    return { gradOutput in
        try requireGradientShape(gradOutput, output.shape, layer)
        let gradLinear = activationGradient(activation, preActivation: linear, gradOutput: gradOutput)
        var gradWeight = Tensor(uncheckedShape: weights.shape)
        var gradBias = bias.map { Tensor(uncheckedShape: $0.shape) }
        let gradInput = Tensor.computing(input.shape) { dx in
            input.withPointer { x in
                weights.withPointer { w in
                    gradLinear.withPointer { dy in
                        gradWeight.withMutablePointer { dw in
                            withOptionalMutablePointer(&gradBias) { db in kernel(x, w, dy, dx, dw, db) }
                        }
                    }
                }
            }
        }
        weight.accumulateGradient(gradWeight)
        if let bias, let gradBias { bias.accumulateGradient(gradBias) }
        return gradInput
    }
}

/// Post-training quantization to TensorFlow Lite's full-integer int8 scheme (`Docs/quantization.md`):
/// BatchNorms folded, activation ranges calibrated on representative images, weights rounded to
/// int8 per output channel. The result is an ordinary `Model` — it saves, loads, runs and exports
/// like any other — whose `FakeQuantize` layers an `InferencePlan` turns into int8 kernels.
///
/// ```swift
/// let quantizer = PostTrainingQuantizer(method: .minmax)
/// let int8 = try quantizer.quantize(model, calibrationBatches: batches)
/// try ModelFile.save(int8, to: url)
/// ```
public struct PostTrainingQuantizer: Sendable {
    public var method: CalibrationMethod

    /// - Parameter method: how each activation's range is chosen from the calibration values:
    ///   `.minmax` (the default, TensorFlow Lite's: the smallest and largest value seen), `.percentile`
    ///   (the 0.01st to 99.99th percentiles, so a few outliers do not coarsen every step) or `.mse` (the
    ///   range of least squared quantization error).
    public init(method: CalibrationMethod = .minmax) {
        self.method = method
    }

    /// `model` quantized to int8, its activation ranges measured on `calibrationBatches` (NHWC
    /// batches of the model's input shape, run in inference mode). The model itself is unchanged.
    /// Throws if there are no images, or if they do not fit the model.
    ///
    /// - Parameters:
    ///   - model: a float model; prune before quantizing.
    ///   - calibrationBatches: representative inputs, a few hundred images in all (TensorFlow Lite's
    ///     representative dataset); ``CalibrationData`` makes them from a dataset or a folder of images.
    /// - Returns: the int8 model, named `NAME-int8`.
    /// - Throws: ``SepCNNError`` if there are no images, they do not fit the model, the model is
    ///   already quantized, or its outputs are not finite.
    public func quantize(_ model: Model, calibrationBatches: [Tensor]) throws -> Model {
        let (quantized, _) = try prepare(model, calibrationBatches: calibrationBatches)
        return quantized
    }

    /// As `quantize`, with the error each quantization point adds, measured on `reportBatches`.
    ///
    /// - Parameters:
    ///   - model: a float model.
    ///   - calibrationBatches: representative inputs, as for ``quantize(_:calibrationBatches:)``.
    ///   - reportBatches: inputs on which each point's error is measured; the calibration batches will do.
    public func quantizeWithReport(_ model: Model, calibrationBatches: [Tensor],
                                   reportBatches: [Tensor]) throws -> (model: Model, report: QuantizationReport) {
        let (quantized, points) = try prepare(model, calibrationBatches: calibrationBatches)
        return (quantized, try QuantizationReport.measure(quantized, points: points, on: reportBatches))
    }

    private func prepare(_ model: Model, calibrationBatches: [Tensor]) throws -> (Model, [(name: String, layer: FakeQuantize)]) {
        guard calibrationBatches.contains(where: { $0.count > 0 }) else {
            throw SepCNNError.invalidArgument("calibration needs at least one image")
        }
        if let existing = model.network.namedLayers().first(where: { $0.layer is FakeQuantize }) {
            throw SepCNNError.invalidArgument("model \(model.name) is already quantized (it has FakeQuantize '\(existing.name)')")
        }
        var rewrite = QuantizationPoints()
        let network = try rewrite.prepare(model.network)
        let quantized = Model(name: model.name.hasSuffix("-int8") ? model.name : model.name + "-int8",
                              inputShape: model.inputShape, network: network, classNames: model.classNames)
        for batch in calibrationBatches where batch.count > 0 {
            guard batch.rank == 4, Array(batch.shape.dropFirst()) == model.inputShape else {
                throw SepCNNError.shapeMismatch("calibration images \(describe(batch.shape)) do not fit model \(model.name), which takes [batch, \(model.inputShape.map(String.init).joined(separator: ", "))]")
            }
            _ = try quantized(batch)
        }
        for (name, point) in rewrite.points {
            guard let observer = point.observer else { continue }
            if observer.nonFiniteCount > 0 {
                throw SepCNNError.invalidArgument("calibration met \(observer.nonFiniteCount) non-finite values at '\(name)': the float model's outputs are not finite")
            }
            point.quantization = observer.quantization(method)
            point.observer = nil
        }
        // Each layer's input grid, as an inference plan meets it, bounds its weight scales from below.
        let grids = try PlanBuilder.convolutionInputGrids(quantized)
        for (_, layer) in network.namedLayers() {
            guard let conv = layer as? any FoldableLayer,
                  let weight = layer.ownParameters.first(where: { $0.name == "weight" })?.parameter else { continue }
            var scales = WeightQuantization(fitting: weight.value.scalars, channels: conv.folded.outputChannels)
            if let grid = grids[ObjectIdentifier(layer as AnyObject)] {
                scales = scales.fittingBias(conv.folded.bias, inputScale: grid.scale)
            }
            try weight.quantize(scales)
        }
        return (quantized, rewrite.points)
    }
}

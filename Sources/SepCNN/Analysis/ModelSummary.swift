import Foundation

/// One row of a model summary: an elementary operation with its size and cost for one image.
public struct LayerSummary: Codable, Equatable, Sendable {
    public var name: String
    public var type: String
    public var outputShape: [Int]
    public var parameters: Int
    public var trainableParameters: Int
    public var macs: Int
}

/// What Keras's `model.summary()` and torchinfo report: per-layer output shapes, parameters and
/// multiply-accumulates, with totals. Counts are for one image (batch 1).
///
/// Conventions (those of Keras and torchinfo): BatchNorm running statistics are non-trainable
/// parameters; MACs count convolutions and dense layers only (no bias, normalisation, activation
/// or pooling); activation memory is the float32 output of every layer, which is what training
/// keeps for the backward pass.
public struct ModelSummary: Codable, Equatable, Sendable {
    public var model: String
    public var inputShape: [Int]
    public var layers: [LayerSummary]
    public var trainableParameters: Int
    public var nonTrainableParameters: Int
    public var totalParameters: Int
    public var macs: Int
    public var parameterBytes: Int
    public var activationBytes: Int
    /// For a quantized model: how many steps of its inference plan run on int8 kernels, and the
    /// operations without one, which run in float between a dequantize and a quantize step.
    public var int8Steps: Int?
    public var floatSteps: [String]?

    public init(_ model: Model) throws {
        let records = try model.trace(batch: 1)
        layers = records.map { record in
            let parameters = record.layer.namedParameters().map(\.parameter)
            return LayerSummary(
                name: record.name, type: record.layer.typeName, outputShape: record.outputShape,
                parameters: parameters.reduce(0) { $0 + $1.count },
                trainableParameters: parameters.filter(\.isTrainable).reduce(0) { $0 + $1.count },
                macs: record.layer.macs(for: record.inputShape))
        }
        self.model = model.name
        inputShape = [1] + model.inputShape
        let all = model.namedParameters().map(\.parameter)
        trainableParameters = all.filter(\.isTrainable).reduce(0) { $0 + $1.count }
        totalParameters = all.reduce(0) { $0 + $1.count }
        nonTrainableParameters = totalParameters - trainableParameters
        macs = layers.reduce(0) { $0 + $1.macs }
        // An int8 weight takes a byte per value and a float scale per channel.
        parameterBytes = all.reduce(0) { total, parameter in
            let channels = parameter.quantization?.scales.count
            return total + (channels.map { parameter.count + 4 * $0 } ?? 4 * parameter.count)
        }
        activationBytes = layers.reduce(0) { $0 + $1.outputShape.reduce(1, *) } * MemoryLayout<Float>.size
        if model.network.namedLayers().contains(where: { $0.layer is FakeQuantize }) {
            let plan = try InferencePlan(model, batch: 1, pool: ThreadPool(threads: 1))
            int8Steps = plan.int8Steps.count
            floatSteps = plan.floatStepsBetweenInt8
        }
    }

    private var int8Note: String {
        parameterBytes < totalParameters * 4 ? " (int8 weights; \(mebibytes(totalParameters * 4)) as float32)" : ""
    }

    /// Pretty-printed JSON with sorted keys.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// A fixed-width table in the spirit of Keras's `model.summary()`.
    public func table() -> String {
        let header = ["Layer", "Type", "Output shape", "Params", "MACs"]
        let rows = layers.map { [$0.name, $0.type, describe($0.outputShape), grouped($0.parameters), grouped($0.macs)] }
        var text = "Model: \(model)    input \(describe(inputShape))\n"
        text += formatTable(header: header, rows: rows, rightAligned: [3, 4])
        text += """
            Trainable parameters:      \(grouped(trainableParameters))
            Non-trainable parameters:  \(grouped(nonTrainableParameters))
            Total parameters:          \(grouped(totalParameters))
            Multiply-accumulates:      \(grouped(macs)) (\(scaled(Double(macs))))
            Parameter memory:          \(mebibytes(parameterBytes))\(int8Note)
            Activation memory:         \(mebibytes(activationBytes)) (float32 output of every layer, batch 1)

            """
        if let int8Steps, let floatSteps {
            text += "Inference:                 \(int8Steps) steps on int8 kernels" + (floatSteps.isEmpty ? ", none in float\n"
                : "; in float (no int8 kernel): \(floatSteps.joined(separator: ", "))\n")
        }
        return text
    }
}

import Foundation

/// Size, cost and (optionally) measured time of one side of a comparison.
public struct Cost: Codable, Equatable, Sendable {
    public var parameters: Int
    public var macs: Int
    /// Median forward time at batch 1, when measured.
    public var medianMicroseconds: Double?
}

/// A standard K×K convolution against its depthwise-separable replacement (depthwise K×K, then
/// pointwise C→M), both without bias and with `same` padding, on one H×W×C input.
///
/// Parameters are K²·C·M against K²·C + C·M, and so are the MACs per output pixel; their ratio is
/// exactly the closed form 1/M + 1/K².
public struct LayerComparison: Codable, Equatable, Sendable {
    public var inputChannels: Int
    public var outputChannels: Int
    public var kernelSize: Int
    public var height: Int
    public var width: Int
    public var stride: Int
    public var outputShape: [Int]
    public var standard: Cost
    public var separable: Cost
    /// separable / standard
    public var parameterRatio: Double
    public var macRatio: Double
    /// 1/M + 1/K²
    public var closedForm: Double

    public init(inputChannels: Int, outputChannels: Int, kernelSize: Int, height: Int, width: Int, stride: Int = 1,
                timing: TimingOptions? = nil) throws {
        // The sizes a model input may have: the cost sums below multiply them with the channels and
        // kernel area, which traps from 2⁶² (`sepcnn compare --height 4611686018427387904`, issue 17).
        for (value, name) in [(height, "height"), (width, "width")] where !(1...65536).contains(value) {
            throw SepCNNError.invalidArgument("compare: \(name) must lie between 1 and 65536, got \(value)")
        }
        let inputShape = [1, height, width, inputChannels]
        let standardLayer = try Conv2D(inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: Size2D(kernelSize),
                                       stride: Size2D(stride), padding: .same, bias: false)
        let separableLayer = Sequential(named: [
            ("depthwise", try DepthwiseConv2D(channels: inputChannels, kernelSize: Size2D(kernelSize), stride: Size2D(stride), padding: .same, bias: false)),
            ("pointwise", try PointwiseConv2D(inputChannels: inputChannels, outputChannels: outputChannels, bias: false)),
        ])
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelSize = kernelSize
        self.height = height
        self.width = width
        self.stride = stride
        outputShape = try standardLayer.outputShape(for: inputShape)
        standard = try measure(standardLayer, inputShape: inputShape, timing: timing)
        separable = try measure(separableLayer, inputShape: inputShape, timing: timing)
        parameterRatio = Double(separable.parameters) / Double(standard.parameters)
        macRatio = Double(separable.macs) / Double(standard.macs)
        closedForm = 1 / Double(outputChannels) + 1 / Double(kernelSize * kernelSize)
    }
}

/// A built-in model against its standard-convolution twin.
public struct ModelComparison: Codable, Equatable, Sendable {
    public var separableModel: String
    public var standardModel: String
    public var inputShape: [Int]
    public var separable: Cost
    public var standard: Cost
    public var parameterRatio: Double
    public var macRatio: Double

    public init(model name: String, options: ModelOptions = ModelOptions(), timing: TimingOptions? = nil) throws {
        let name = ModelZoo.canonicalName(name) ?? name
        let baseName = name.hasSuffix(ModelZoo.standardSuffix) ? String(name.dropLast(ModelZoo.standardSuffix.count)) : name
        let separableModel = try ModelZoo.make(baseName, options: options)
        let standardModel = try ModelZoo.make(baseName + ModelZoo.standardSuffix, options: options)
        self.separableModel = separableModel.name
        self.standardModel = standardModel.name
        inputShape = [1] + separableModel.inputShape
        separable = try measure(separableModel.network, inputShape: inputShape, timing: timing)
        standard = try measure(standardModel.network, inputShape: inputShape, timing: timing)
        parameterRatio = Double(separable.parameters) / Double(standard.parameters)
        macRatio = Double(separable.macs) / Double(standard.macs)
    }
}

/// Trainable parameters, MACs and, if asked, the median inference time of a layer on one input.
private func measure(_ layer: any Layer, inputShape: [Int], timing: TimingOptions?) throws -> Cost {
    var records: [LayerRecord] = []
    _ = try layer.trace(name: "", inputShape: inputShape, into: &records)
    let macs = records.reduce(0) { $0 + $1.layer.macs(for: $1.inputShape) }
    let parameters = layer.namedParameters().filter(\.parameter.isTrainable).reduce(0) { $0 + $1.parameter.count }
    var time: Double?
    if let timing {
        var generator = RandomGenerator(seed: 1)
        let input = try Tensor.normal(inputShape, using: &generator)
        // Timed as inference runs: through a compiled plan (BatchNorm folded, weights packed).
        let plan = try InferencePlan(layer, inputShape: inputShape)
        time = try medianMicroseconds(timing) { _ = try plan(input) }
    }
    return Cost(parameters: parameters, macs: macs, medianMicroseconds: time)
}

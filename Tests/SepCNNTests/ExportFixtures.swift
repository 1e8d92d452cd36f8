import Foundation
@testable import SepCNN

/// How a fixture model gets trained-looking numbers without training: BatchNorm's γ, β and
/// running statistics drawn from a seeded generator at the scale each layer's input has, and the
/// classifier scaled so the logits reach a magnitude of about 5.
///
/// The scales are measured once, when the fixtures are made (`calibrated(_:input:seed:)`, from
/// training-mode passes, as Scripts/make_onnx_fixtures.py does in PyTorch), and recorded as powers
/// of two in the manifest. Applying a recipe then involves no arithmetic that differs between
/// builds (kernels, thread counts, instruction sets), so every build exports the very bytes ONNX
/// Runtime ran.
struct TrainedLookingRecipe: Codable, Equatable {
    var seed: UInt64
    /// Per BatchNorm, in `namedLayers()` order: running variances lie in 2^k · [0.5, 2).
    var varianceExponents: [Int]
    /// The classifier's weights and bias are multiplied by 2^logitExponent.
    var logitExponent: Int

    static func batchNorms(of model: Model) -> [BatchNorm] {
        model.network.namedLayers().compactMap { $0.layer as? BatchNorm }
    }

    /// The last dense or convolution layer with a bias: what produces the logits.
    static func classifier(of model: Model) -> (weight: Parameter, bias: Parameter)? {
        for (_, layer) in model.network.namedLayers().reversed() {
            switch layer {
            case let l as Dense: if let bias = l.bias { return (l.weight, bias) }
            case let l as Conv2D: if let bias = l.bias { return (l.weight, bias) }
            case let l as PointwiseConv2D: if let bias = l.bias { return (l.weight, bias) }
            default: continue
            }
        }
        return nil
    }

    func apply(to model: Model) throws {
        let norms = Self.batchNorms(of: model)
        guard norms.count == varianceExponents.count else {
            throw FixtureError("\(model.name) has \(norms.count) BatchNorm layers; the recipe has \(varianceExponents.count) exponents")
        }
        var generator = RandomGenerator(seed: seed)
        for (bn, exponent) in zip(norms, varianceExponents) {
            let variance = Float(sign: .plus, exponent: exponent, significand: 1)
            let deviation = variance.squareRoot()
            let n = bn.channels
            try bn.weight.assign(Tensor(shape: [n], scalars: (0..<n).map { _ in generator.uniform(0.5, 1.5) }))
            try bn.bias.assign(Tensor(shape: [n], scalars: (0..<n).map { _ in generator.uniform(-0.25, 0.25) }))
            try bn.runningMean.assign(Tensor(shape: [n], scalars: (0..<n).map { _ in deviation * generator.uniform(-0.5, 0.5) }))
            try bn.runningVar.assign(Tensor(shape: [n], scalars: (0..<n).map { _ in variance * generator.uniform(0.5, 2) }))
        }
        if logitExponent != 0, let (weight, bias) = Self.classifier(of: model) {
            let factor = Float(sign: .plus, exponent: logitExponent, significand: 1)
            for parameter in [weight, bias] {
                try parameter.assign(Tensor(shape: parameter.shape, scalars: parameter.value.scalars.map { $0 * factor }))
            }
        }
    }

    /// Measures the scales on `make()`'s models: training-mode passes on random images give every
    /// BatchNorm running statistics of the data it sees, then the logits on `input` set the classifier's scale.
    static func calibrated(_ make: () throws -> Model, input: Tensor, seed: UInt64) throws -> TrainedLookingRecipe {
        let probe = try make()
        var recipe = TrainedLookingRecipe(seed: seed, varianceExponents: batchNorms(of: probe).map { _ in 0 }, logitExponent: 0)
        try recipe.apply(to: probe)
        var generator = RandomGenerator(seed: seed &+ 1)
        // Momentum 0.1: 30 passes leave 4 % of the starting statistics.
        for _ in 0..<30 { _ = try probe(try Tensor.normal([8] + probe.inputShape, using: &generator), training: true) }
        recipe.varianceExponents = batchNorms(of: probe).map { bn in
            let mean = bn.runningVar.value.scalars.reduce(0, +) / Float(bn.channels)
            return Int(log2(Double(mean)).rounded())
        }
        let scaled = try make()
        try recipe.apply(to: scaled)
        let peak = try logits(scaled, input).scalars.map(abs).max() ?? 1
        recipe.logitExponent = Int(log2(5 / Double(max(peak, 1e-6))).rounded())
        return recipe
    }

    /// The model's output before a final Softmax, if it ends in one.
    static func logits(_ model: Model, _ input: Tensor) throws -> Tensor {
        guard let sequential = model.network as? Sequential, sequential.layers.last?.layer is Softmax else { return try model(input) }
        return try Sequential(named: sequential.layers.dropLast().map { ($0.name, $0.layer) }).forward(input, training: false)
    }
}

/// One case of Tests/SepCNNTests/Fixtures/onnx-export/: a model SepCNN builds the same way every
/// time, exported and run by ONNX Runtime in Scripts/make_export_fixtures.py.
struct ExportFixtureCase: CustomStringConvertible, Sendable {
    let name: String
    let source: String
    /// Built-in and hand-built models get a `TrainedLookingRecipe`; imported ones are trained-looking already.
    let needsRecipe: Bool
    /// The input file, relative to Fixtures/, for cases that reuse an import fixture's input.
    let sharedInput: String?
    let build: @Sendable () throws -> Model

    var description: String { name }

    static let seed: UInt64 = 20_250_601

    /// A built-in model at a size that keeps fixtures and tests small.
    static func smallOptions(for name: String) -> ModelOptions {
        switch name {
        case let n where n.hasPrefix("sepcnn-example"): return ModelOptions(resolution: 16)
        case let n where n.hasPrefix("mobilenet-v1"): return ModelOptions(widthMultiplier: 0.25, resolution: 48, classes: 10)
        case let n where n.hasPrefix("mobilenet-v2"): return ModelOptions(widthMultiplier: 0.35, resolution: 48, classes: 10)
        default: return ModelOptions()
        }
    }

    /// Smaller than the published sizes to keep the fixtures and the tests small: the examples at
    /// 16×16, MobileNets at 48×48 with 10 classes (V1 width 0.25, V2 width 0.35), Fashion-MNIST's
    /// network as it is; the imported graphs as the import fixtures hold them (96×96).
    static let all: [ExportFixtureCase] = {
        var cases: [ExportFixtureCase] = []
        for name in ModelZoo.names {
            let options = smallOptions(for: name)
            let about = [options.widthMultiplier.map { "width \($0)" }, options.resolution.map { "\($0)×\($0)" },
                         options.classes.map { "\($0) classes" }].compactMap { $0 }.joined(separator: ", ")
            cases.append(ExportFixtureCase(name: name, source: "built-in \(name)" + (about.isEmpty ? "" : ", \(about)"),
                                           needsRecipe: true, sharedInput: nil) {
                try Random.withSeed(seed) { try ModelZoo.make(name, options: options) }
            })
        }
        for network in ExportTestNetwork.all {
            cases.append(ExportFixtureCase(name: network.name, source: "hand-built network (ExportTestNetworks.swift)",
                                           needsRecipe: true, sharedInput: nil) { try network.make(seed: seed) })
        }
        for imported in ["mobilenet_v3_small-opset17", "efficientnet_b0-opset17"] {
            cases.append(ExportFixtureCase(name: imported, source: "imported from Fixtures/onnx/\(imported).onnx",
                                           needsRecipe: false, sharedInput: "onnx/\(imported).input.bin") {
                try ONNXModel(contentsOf: ONNXFixture.directory.appendingPathComponent("\(imported).onnx")).model
            })
        }
        return cases
    }()
}

/// Fixtures/onnx-export/manifest.json, written by Scripts/make_export_fixtures.py.
struct ExportFixtureManifest: Decodable {
    struct Entry: Decodable {
        let name: String
        let recipe: TrainedLookingRecipe?
        /// Size and CRC-32 of the exported file ONNX Runtime ran.
        let byteCount: Int
        let crc32: UInt32
        /// Relative to Fixtures/.
        let input: String
        let output: String
        let inputShape: [Int]
        let outputShape: [Int]
    }

    let cases: [Entry]

    static let directory = Fixtures.directory.appendingPathComponent("onnx-export")

    static let loaded: ExportFixtureManifest? = {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent("manifest.json")) else { return nil }
        return try? JSONDecoder().decode(ExportFixtureManifest.self, from: data)
    }()

    static func entry(_ name: String) -> Entry? { loaded?.cases.first { $0.name == name } }
}

func crc32(_ data: Data) -> UInt32 {
    data.withUnsafeBytes { CRC32.checksum($0.bindMemory(to: UInt8.self)) }
}

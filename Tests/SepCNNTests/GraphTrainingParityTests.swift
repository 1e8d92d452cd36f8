import Foundation
import Testing
@testable import SepCNN

/// One training step of an imported ONNX graph against the same step in PyTorch
/// (`Scripts/make_graph_training_fixtures.py`): the network of conv, depthwise conv, training-mode
/// BatchNorm, ReLU6, HardSwish, a residual Add, squeeze-and-excitation with a broadcast Mul, a channel
/// concatenation, max pooling, a flatten of a 4×4 map and a Gemm, imported from
/// `Fixtures/onnx/graph_training.onnx`, run through `Model.valueWithPullback(_, training: true)`,
/// softmax cross-entropy and `SGD` (lr 0.1, momentum 0.9, weight decay 1e-3).
///
/// Parameters are compared under SepCNN's names (ONNX node name without the leading "/", then
/// `weight`, `bias`, `runningMean`, `runningVar`); the fixture lists the PyTorch state-dict name of
/// each (`parameterNames`, e.g. `stem_bn/BatchNormalization.weight` ← `stem_bn.weight`).
///
/// Tolerances. Loss: 1e-5 relative (a mean of four log-sum-exps; measured: equal). Logits and
/// gradients: |Δ| ≤ 1e-5 + 1e-4·|expected|. They are float32 sums taken in another order than
/// PyTorch's, through three batch norms that normalise by statistics of 256 values per channel and
/// amplify rounding differences by 1/σ; measured (baseline x86-64 build), the largest |Δ| is 3.6e-7 on
/// logits of magnitude 1.4 and 2.4e-7 on gradients of magnitude 0.3–1.3, about 1/30 of the bound, the
/// margin left for other vector widths' summation orders. Updated parameters: 1e-6 + 1e-6·|expected|;
/// they move from identical starting values by lr·(g + wd·p), a tenth of a gradient's
/// error (measured: at most 6e-8).
@Suite struct GraphTrainingParityTests {
    static let onnxURL = Fixtures.directory.appendingPathComponent("onnx/graph_training.onnx")

    /// The largest |actual − expected| / (atol + rtol·|expected|) over the elements: ≤ 1 passes.
    static func worstRatio(_ actual: Tensor, _ expected: Tensor, rtol: Float, atol: Float) -> Float {
        guard actual.shape == expected.shape else { return .infinity }
        return zip(actual.scalars, expected.scalars).reduce(0) { max($0, abs($1.0 - $1.1) / (atol + rtol * abs($1.1))) }
    }

    @Test func oneSGDStepMatchesPyTorch() throws {
        let c = try #require(try Fixtures.load("graph-training.json").first)
        let model = try ONNXModel(contentsOf: Self.onnxURL).model
        // The names below hold only if the importer folded nothing into the convolutions.
        #expect(model.network.namedLayers().filter { $0.layer is BatchNorm }.count == 3)
        let parameters = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, $0.parameter) })
        let labels = try #require(c.attrs["labels"]?.numbers).map { Int($0) }

        model.zeroGradients()
        let (logits, pullback) = try model.valueWithPullback(c.tensor("input"), training: true)
        let loss = try Loss.crossEntropy(logits: logits, labels: labels)
        let gradInput = try pullback(loss.gradient)
        let sgd = try SGD(learningRate: c.float("learningRate"), momentum: c.float("momentum"), weightDecay: c.float("weightDecay"))
        try sgd.step(model.namedParameters())

        #expect(abs(loss.value - c.float("loss")) <= 1e-5 * abs(c.float("loss")), "loss \(loss.value), PyTorch \(c.float("loss"))")
        let (rtol, atol): (Float, Float) = (1e-4, 1e-5)
        #expect(Self.worstRatio(logits, try c.tensor("output"), rtol: rtol, atol: atol) <= 1, "logits")
        #expect(Self.worstRatio(gradInput, try c.tensor("gradInput"), rtol: rtol, atol: atol) <= 1, "input gradient")

        var compared = Set<String>()
        for key in c.tensors.keys.sorted() where key.hasPrefix("grad.") || key.hasPrefix("updated.") {
            let isGradient = key.hasPrefix("grad.")
            let name = String(key.drop(while: { $0 != "." }).dropFirst())
            let parameter = try #require(parameters[name], "the imported model has no parameter \(name)")
            compared.insert(name)
            if isGradient {
                let gradient = try #require(parameter.gradient, "no gradient for \(name)")
                #expect(Self.worstRatio(gradient, try c.tensor(key), rtol: rtol, atol: atol) <= 1, "gradient of \(name)")
            } else {
                #expect(Self.worstRatio(parameter.value, try c.tensor(key), rtol: 1e-6, atol: 1e-6) <= 1, "\(name) after the step")
            }
        }
        // What PyTorch does not have: the zero biases the importer gives convolutions followed by BatchNorm,
        // whose gradient the batch mean cancels.
        for (name, parameter) in parameters where !compared.contains(name) {
            #expect(name.hasSuffix("Conv.bias"), "\(name) is in the imported model but not in PyTorch's")
            #expect(parameter.value.scalars.allSatisfy { abs($0) <= 1e-6 }, "\(name) moved away from 0")
        }
    }
}

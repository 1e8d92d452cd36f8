import Foundation
import Testing
@testable import SepCNN

/// The vectorised sigmoid and SiLU against the definition in Double, over ordinary and extreme
/// inputs and lengths that leave a scalar tail. Tolerance 4e-7 · max(1, |exact|): a few float32 ulp.
@Suite struct ActivationKernelTests {
    @Test(arguments: [Activation.sigmoid, .silu])
    func vectorisedMatchesTheDefinition(_ activation: Activation) {
        var r = RandomGenerator(seed: 81)
        var inputs: [Float] = (0..<1000).map { _ in r.uniform(-20, 20) }
        inputs += [0, -0.0, 1e-8, -1e-8, 88, -88, 100, -100, 1e30, -1e30, .infinity, -.infinity, 3, -3]
        var output = [Float](repeating: .nan, count: inputs.count)
        applyActivation(activation, inputs, &output, count: inputs.count)
        for (x, y) in zip(inputs, output) {
            let s = 1 / (1 + exp(-Double(x)))
            // SiLU(−∞) = −∞ · 0 is NaN, as in PyTorch.
            let exact = activation == .silu ? Double(x) * s : s
            #expect(abs(Double(y) - exact) <= 4e-7 * max(1, abs(exact)) || Double(y) == exact || (exact.isNaN && y.isNaN),
                    "\(activation)(\(x)) = \(y), exact \(exact)")
        }
    }
}

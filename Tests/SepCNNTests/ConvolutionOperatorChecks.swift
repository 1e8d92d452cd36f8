import Testing
@testable import SepCNN

/// Runs one random convolution through the reference and through `ConvolutionOperator`, checks that
/// the operator chose the kernel under test (`takes`), and compares the outputs within the GEMM
/// kernels' tolerance, |x − ref| ≤ 1e-4 · (1 + |ref|). Random input, weights and (unless `withBias`
/// is false) bias come from `r`.
func expectOperatorMatchesReference(
    _ g: ConvGeometry, activation: Activation, withBias: Bool, pool: ThreadPool, random r: inout RandomGenerator,
    takes kernelName: String, where chosen: (ConvolutionOperator.Kernel) -> Bool,
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let x = (0..<g.inputCount).map { _ in r.normal() }
    let w = (0..<(g.kernelHeight * g.kernelWidth * g.inputChannels / g.groups * g.outputChannels)).map { _ in r.normal() }
    let bias: [Float]? = withBias ? (0..<g.outputChannels).map { _ in r.normal() } : nil
    var expected = [Float](repeating: 0, count: g.outputCount), actual = [Float](repeating: .nan, count: g.outputCount)
    conv2DReference(g, input: x, weights: w, bias: bias, activation: activation, output: &expected)
    let convolution = try ConvolutionOperator(g, weights: w, bias: bias, activation: activation)
    guard chosen(convolution.kernel) else {
        Issue.record("\(g) does not take the \(kernelName) kernel", sourceLocation: sourceLocation)
        return
    }
    var scratch = [Float](repeating: .nan, count: convolution.scratchCount(threads: pool.threads))
    convolution.run(input: x, output: &actual, scratch: &scratch, pool: pool)
    let worst = zip(actual, expected).map { abs($0 - $1) / (1 + abs($1)) }.max() ?? 0
    #expect(OperationsTests.agree(actual, expected),
            "relative error \(worst) for \(g), \(activation), bias \(bias != nil), \(pool.threads) threads",
            sourceLocation: sourceLocation)
}

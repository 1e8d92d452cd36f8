import Testing
@testable import SepCNN

/// Bad configurations and shapes are thrown as `SepCNNError`s whose message names the layer and
/// the shapes involved; nothing crashes and nothing computes a wrong answer quietly.
@Suite struct ErrorTests {
    /// The error `body` throws, rendered as a user would see it.
    func message(_ body: () throws -> Any) -> String? {
        do {
            _ = try body()
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func wrongChannelCountNamesLayerAndShape() throws {
        let layer = try DepthwiseConv2D(channels: 3, kernelSize: 3, padding: .same)
        let text = try #require(message { try layer(Tensor.zeros([1, 8, 8, 4])) })
        #expect(text.contains("DepthwiseConv2D") && text.contains("3 input channels") && text.contains("[1, 8, 8, 4]"))
        let conv = try Conv2D(inputChannels: 16, outputChannels: 8, kernelSize: 1)
        #expect(message { try conv(Tensor.zeros([1, 4, 4, 8])) }?.contains("Conv2D expects 16 input channels") == true)
        let pointwise = try PointwiseConv2D(inputChannels: 5, outputChannels: 2)
        #expect(message { try pointwise(Tensor.zeros([2, 4, 4, 3])) }?.contains("[2, 4, 4, 3]") == true)
        let bn = try BatchNorm(channels: 4)
        #expect(message { try bn(Tensor.zeros([1, 2, 2, 5])) }?.contains("BatchNorm expects 4 channels") == true)
    }

    @Test func kernelLargerThanPaddedInput() throws {
        let layer = try DepthwiseConv2D(channels: 2, kernelSize: 5)
        let text = try #require(message { try layer(Tensor.zeros([1, 3, 3, 2])) })
        #expect(text.contains("kernel 5×5 is larger than the padded input 3×3"))
        let dilated = try DepthwiseConv2D(channels: 2, kernelSize: 3, padding: .explicit(1), dilation: 3)
        #expect(message { try dilated(Tensor.zeros([1, 4, 4, 2])) }?.contains("dilated to 7×7") == true)
        let pool = try MaxPool2D(poolSize: 4)
        #expect(message { try pool(Tensor.zeros([1, 3, 8, 1])) }?.contains("MaxPool2D") == true)
    }

    @Test func nonPositiveStrideDilationAndSizesAreRefused() {
        #expect(message { try DepthwiseConv2D(channels: 3, kernelSize: 3, stride: 0) }?.contains("stride must be positive, got 0") == true)
        #expect(message { try DepthwiseConv2D(channels: 3, kernelSize: 3, dilation: -1) }?.contains("dilation must be positive") == true)
        #expect(message { try DepthwiseConv2D(channels: 0, kernelSize: 3) }?.contains("channels must be positive") == true)
        #expect(message { try DepthwiseConv2D(channels: 3, kernelSize: 3, depthMultiplier: 0) } != nil)
        #expect(message { try Conv2D(inputChannels: 4, outputChannels: 4, kernelSize: Size2D(0, 3)) }?.contains("kernel height") == true)
        #expect(message { try Conv2D(inputChannels: 4, outputChannels: 6, kernelSize: 3, groups: 4) }?.contains("groups (4) must divide") == true)
        #expect(message { try Conv2D(inputChannels: 4, outputChannels: 4, kernelSize: 3, padding: .explicit(-1)) }?.contains("padding must not be negative") == true)
        #expect(message { try AvgPool2D(poolSize: 2, stride: 0) } != nil)
        #expect(message { try Dropout(rate: 1) } != nil)
        #expect(message { try BatchNorm(channels: 4, epsilon: 0) } != nil)
        #expect(message { try Dense(inputFeatures: 0, outputFeatures: 3) } != nil)
    }

    @Test func mismatchedResidualShapes() throws {
        let block = Residual(Sequential(named: [("conv", try PointwiseConv2D(inputChannels: 4, outputChannels: 8))]))
        let text = try #require(message { try block(Tensor.zeros([1, 5, 5, 4])) })
        #expect(text.contains("Residual") && text.contains("[1, 5, 5, 8]") && text.contains("[1, 5, 5, 4]"))
        let strided = Residual(Sequential([try DepthwiseConv2D(channels: 4, kernelSize: 3, stride: 2, padding: .same)]))
        #expect(message { try strided.outputShape(for: [1, 6, 6, 4]) }?.contains("same shape") == true)
    }

    @Test func errorsInsideAModelNameThePath() throws {
        let network = Sequential(named: [
            ("stem", try Conv2D(inputChannels: 3, outputChannels: 8, kernelSize: 3, padding: .same)),
            ("features", Sequential([
                try DepthwiseConv2D(channels: 8, kernelSize: 3, padding: .same),
                try PointwiseConv2D(inputChannels: 16, outputChannels: 4),
            ])),
        ])
        let text = try #require(message { try network(Tensor.zeros([1, 6, 6, 3])) })
        #expect(text.hasPrefix("features.1: PointwiseConv2D expects 16 input channels"), "\(text)")
        let model = try ModelZoo.make("sepcnn-example")
        #expect(message { try model(Tensor.zeros([1, 28, 28, 3])) }?.contains("model sepcnn-example expects input [batch, 32, 32, 3], got [1, 28, 28, 3]") == true)
    }

    @Test func denseAfterAFeatureMapSuggestsFlatten() throws {
        let dense = try Dense(inputFeatures: 12, outputFeatures: 2)
        #expect(message { try dense(Tensor.zeros([1, 2, 2, 3])) }?.contains("add Flatten") == true)
    }

    @Test func channelGateMustMatch() throws {
        let se = ChannelMultiply(gate: Sequential([GlobalAvgPool(keepDims: true), try PointwiseConv2D(inputChannels: 4, outputChannels: 3)]))
        #expect(message { try se(Tensor.zeros([1, 3, 3, 4])) }?.contains("gate's output [1, 1, 1, 3]") == true)
    }

    @Test func inputsOfTheWrongRankAreRefused() throws {
        let layer = try DepthwiseConv2D(channels: 3, kernelSize: 3)
        #expect(message { try layer(Tensor.zeros([8, 8, 3])) }?.contains("expects an NHWC input") == true)
        #expect(message { try GlobalAvgPool()(Tensor.zeros([4, 3])) } != nil)
        #expect(message { try Softmax()(Tensor.zeros([2, 0])) } != nil)
    }

    @Test func trainingBatchNormNeedsMoreThanOneValue() throws {
        let bn = try BatchNorm(channels: 3)
        #expect(message { try bn(Tensor.zeros([1, 1, 1, 3]), training: true) }?.contains("more than one value") == true)
    }

    @Test func parameterAssignmentChecksTheShape() throws {
        let layer = try DepthwiseConv2D(channels: 3, kernelSize: 3)
        #expect(message { try layer.weight.assign(Tensor.zeros([3, 3, 1, 3])) }?.contains("[3, 3, 3, 1]") == true)
    }
}

@Suite struct HugeShapeTests {
    @Test func layersTooLargeForAnyMachineAreRefused() {
        #expect(throws: SepCNNError.self) { try Conv2D(inputChannels: 100_000, outputChannels: 100_000, kernelSize: 3) }
        #expect(throws: SepCNNError.self) { try Tensor.zeros([70_000, 70_000]) }
    }
}

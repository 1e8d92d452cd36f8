/// Every number a convolution or pooling kernel needs, resolved once by the layer that calls it.
///
/// Input is `[batch, inputHeight, inputWidth, inputChannels]` (NHWC); output is
/// `[batch, outputHeight, outputWidth, outputChannels]`. Output pixel (oy, ox) reads input rows
/// `oy·strideHeight − padTop + ky·dilationHeight` (and likewise for columns); rows and columns
/// outside the input are zero padding. Bottom and right padding are implied by the output size.
///
/// Channels split into `groups` independent groups: input channel group g feeds output channel
/// group g. groups = 1 is a standard convolution, groups = inputChannels a depthwise one.
public struct ConvGeometry: Equatable, Sendable {
    public var batch: Int
    public var inputHeight: Int, inputWidth: Int, inputChannels: Int
    public var outputHeight: Int, outputWidth: Int, outputChannels: Int
    public var kernelHeight: Int, kernelWidth: Int
    public var strideHeight: Int, strideWidth: Int
    public var dilationHeight: Int, dilationWidth: Int
    public var padTop: Int, padLeft: Int
    public var groups: Int

    public init(batch: Int, inputHeight: Int, inputWidth: Int, inputChannels: Int,
                outputHeight: Int, outputWidth: Int, outputChannels: Int,
                kernelHeight: Int, kernelWidth: Int, strideHeight: Int, strideWidth: Int,
                dilationHeight: Int, dilationWidth: Int, padTop: Int, padLeft: Int, groups: Int) {
        self.batch = batch
        self.inputHeight = inputHeight; self.inputWidth = inputWidth; self.inputChannels = inputChannels
        self.outputHeight = outputHeight; self.outputWidth = outputWidth; self.outputChannels = outputChannels
        self.kernelHeight = kernelHeight; self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight; self.strideWidth = strideWidth
        self.dilationHeight = dilationHeight; self.dilationWidth = dilationWidth
        self.padTop = padTop; self.padLeft = padLeft
        self.groups = groups
    }

    public var inputCount: Int { batch * inputHeight * inputWidth * inputChannels }
    public var outputCount: Int { batch * outputHeight * outputWidth * outputChannels }
    public var inputChannelsPerGroup: Int { inputChannels / groups }
    public var outputChannelsPerGroup: Int { outputChannels / groups }
    /// One input channel per group (PyTorch's depthwise form of a grouped convolution): the
    /// `[kh, kw, 1, C·M]` weights are exactly the depthwise `[kh, kw, C, M]` layout.
    public var isDepthwise: Bool { groups == inputChannels && groups > 1 }
}

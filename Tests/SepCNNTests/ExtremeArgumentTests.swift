import Testing
@testable import SepCNN

/// Absurd sizes a command line passes on (`sepcnn compare --kernel 2⁶³−1`, `predict --resize 2⁶³−1`)
/// are refused with a message, never an arithmetic trap (issue 17's "no arithmetic on user-supplied
/// numbers can trap").
@Suite struct ExtremeArgumentTests {
    static func message(_ body: () throws -> Any) -> String {
        do { _ = try body(); return "no error" } catch { return "\(error)" }
    }

    @Test func windowSizesAreBounded() {
        #expect(Self.message { try Conv2D(inputChannels: 1, outputChannels: 1, kernelSize: Size2D(Int.max)) }
            .contains("Conv2D: kernel height must lie between 1 and 65536, got \(Int.max)"))
        #expect(Self.message { try Conv2D(inputChannels: 1, outputChannels: 1, kernelSize: 3, stride: Size2D(Int.max)) }
            .contains("Conv2D: stride must lie between 1 and 65536"))
        #expect(Self.message { try DepthwiseConv2D(channels: 1, kernelSize: 3, padding: .explicit(Int.max)) }
            .contains("padding must lie between 0 and 65536"))
        #expect(Self.message { try MaxPool2D(poolSize: Size2D(Int.max)) }.contains("must lie between 1 and 65536"))
        #expect(Self.message { try DepthwiseConv2D(channels: 3, kernelSize: 3, stride: 0) }.contains("stride must be positive, got 0"))
    }

    @Test func hugeChannelCountsAreRefusedByTheShapeCheck() {
        #expect(Self.message { try Conv2D(inputChannels: Int.max, outputChannels: Int.max, kernelSize: 3) }.contains("has too many elements"))
        #expect(Self.message { try DepthwiseConv2D(channels: Int.max, kernelSize: 3, depthMultiplier: Int.max) }.contains("has too many elements"))
        #expect(Self.message { try LayerComparison(inputChannels: Int.max, outputChannels: 1, kernelSize: 1, height: 1, width: 1) }
            .contains("has too many elements"))
    }

    /// Found by Scripts/robustness_probe.sh: `sepcnn compare --height 4611686018427387904` trapped
    /// in Conv2D.macs, and `--height 9223372036854775807` in the padding arithmetic.
    @Test func layerComparisonSizesAreBounded() {
        for size in [4_611_686_018_427_387_904, Int.max, 65537, 0] {
            #expect(Self.message { try LayerComparison(inputChannels: 3, outputChannels: 6, kernelSize: 3, height: size, width: 8) }
                .contains("compare: height must lie between 1 and 65536, got \(size)"))
            #expect(Self.message { try LayerComparison(inputChannels: 3, outputChannels: 6, kernelSize: 3, height: 8, width: size) }
                .contains("compare: width must lie between 1 and 65536, got \(size)"))
        }
    }

    @Test func resizingIsBoundedBeforeAnythingIsAllocated() throws {
        let image = try Image(width: 40, height: 30, channels: 3, pixels: [UInt8](repeating: 9, count: 3600))
        var preprocessing = ImagePreprocessing.imageNet(size: Size2D(8, 8))
        preprocessing.resizeShorterSide = Int.max
        #expect(Self.message { try preprocessing.tensor(from: [image], channels: 3) }.contains("image sizes must be at most 32768"))
        preprocessing.resizeShorterSide = 30000
        #expect(Self.message { try preprocessing.tensor(from: [image], channels: 3) }
            .contains("resizing a 40×30 image to shorter side 30000 gives 40000×30000, more than 268435456 pixels"))
    }

    @Test func anImageOfImpossibleSizeIsRefused() {
        #expect(Self.message { try Image(width: Int.max, height: Int.max, channels: 3, pixels: []) }.contains("needs \(Int.max) bytes, got 0"))
    }
}

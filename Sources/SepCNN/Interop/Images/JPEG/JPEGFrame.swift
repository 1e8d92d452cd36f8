/// The image a SOF marker describes: its size, sampling grid and, per component, the DCT
/// coefficients that the scans fill in (all of them are kept, as progressive scans refine them in turn).
struct JPEGFrame {
    let width: Int, height: Int
    let progressive: Bool
    let components: [JPEGComponent]
    let maxH: Int, maxV: Int
    /// MCUs of an interleaved scan: each covers 8·maxH × 8·maxV pixels.
    let mcusPerLine: Int, mcusPerColumn: Int
}

/// One colour component of a frame and its coefficients: `blocksPerLine × blocksPerColumn` blocks of
/// 64 (natural order, quantised), the MCU grid's worth even where it extends past the image.
final class JPEGComponent {
    let id: Int
    let h: Int, v: Int
    let quantizationTable: Int
    /// Samples of this component that cover the image (libjpeg's `downsampled_width/height`).
    let width: Int, height: Int
    let blocksPerLine: Int, blocksPerColumn: Int
    /// The quantization table as it was at the component's first scan (libjpeg latches it then), natural order.
    var quantization: [Int32]?
    /// Zero until a scan writes them; released once the component is transformed to samples.
    var coefficients: JPEGCoefficientStorage?
    /// DC predictor of the current scan.
    var dcPrediction = 0

    /// Blocks a non-interleaved scan of this component codes: only those that touch the image.
    var codedBlocksPerLine: Int { (width + 7) / 8 }
    var codedBlocksPerColumn: Int { (height + 7) / 8 }

    init(id: Int, h: Int, v: Int, quantizationTable: Int, frameWidth: Int, frameHeight: Int,
         maxH: Int, maxV: Int, mcusPerLine: Int, mcusPerColumn: Int) {
        self.id = id
        self.h = h
        self.v = v
        self.quantizationTable = quantizationTable
        width = (frameWidth * h + maxH - 1) / maxH
        height = (frameHeight * v + maxV - 1) / maxV
        blocksPerLine = mcusPerLine * h
        blocksPerColumn = mcusPerColumn * v
    }
}

/// Coefficients owned by a class so that each component's can be released as soon as it is used.
final class JPEGCoefficientStorage {
    let pointer: UnsafeMutablePointer<Int16>
    let count: Int

    init(count: Int) {
        self.count = count
        pointer = .allocate(capacity: count)
        pointer.initialize(repeating: 0, count: count)
    }

    deinit { pointer.deallocate() }
}

/// Zig-zag position → natural (row-major) index, with 16 extra entries of 63 so that a corrupt run
/// past the end of a block lands harmlessly on the last coefficient (as libjpeg's table does).
let jpegNaturalOrder: [Int] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
    12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
    35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
    58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
] + [Int](repeating: 63, count: 16)

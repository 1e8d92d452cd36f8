/// One SOS scan: which components it codes, with which Huffman tables, and (progressive) which
/// coefficients (spectral selection `start...end`) at which bit (successive approximation `high`/`low`).
struct JPEGScan {
    enum Kind { case sequential, dcFirst, dcRefine, acFirst, acRefine }

    let components: [JPEGComponent]
    let dcTables: [JPEGHuffmanTable?]
    let acTables: [JPEGHuffmanTable?]
    let spectralStart: Int, spectralEnd: Int
    let approximationHigh: Int, approximationLow: Int
    let kind: Kind
}

/// Walks a scan's MCUs in order, handling restart intervals, and decodes each block with the
/// routine its kind needs (this file: sequential; `JPEGProgressive.swift`: the four progressive ones).
struct JPEGScanDecoder {
    var reader: JPEGBitReader
    let frame: JPEGFrame
    let scan: JPEGScan
    let restartInterval: Int
    /// Blocks still to skip in a run of end-of-bands (progressive AC scans).
    var endOfBandRun = 0

    /// Decodes the scan whose entropy-coded data starts at `position`; returns where it stopped
    /// (the next marker, when the data is well formed).
    static func decode(_ scan: JPEGScan, frame: JPEGFrame, bytes: [UInt8], position: Int, restartInterval: Int) throws -> Int {
        var decoder = JPEGScanDecoder(reader: JPEGBitReader(bytes: bytes, position: position), frame: frame,
                                      scan: scan, restartInterval: restartInterval)
        try decoder.run()
        return decoder.reader.position
    }

    private mutating func run() throws {
        for component in scan.components {
            component.dcPrediction = 0
            if component.coefficients == nil {
                component.coefficients = JPEGCoefficientStorage(count: component.blocksPerLine * component.blocksPerColumn * 64)
            }
        }
        // A scan of one component is not interleaved: its MCU is one block, and only the blocks
        // that touch the image are coded (T.81 A.2.2).
        let single = scan.components.count == 1
        let mcusPerLine = single ? scan.components[0].codedBlocksPerLine : frame.mcusPerLine
        let mcusPerColumn = single ? scan.components[0].codedBlocksPerColumn : frame.mcusPerColumn
        let total = mcusPerLine * mcusPerColumn
        var mcu = 0
        decoding: for mcuY in 0..<mcusPerColumn {
            for mcuX in 0..<mcusPerLine {
                if restartInterval > 0, mcu > 0, mcu % restartInterval == 0 {
                    reader.restart()
                    endOfBandRun = 0
                    for component in scan.components { component.dcPrediction = 0 }
                }
                // Data that ran out at a marker leaves the rest of the restart interval as it is
                // (uniform gray for a sequential scan), as libjpeg does; at the end of the file it is an error.
                if reader.exhausted {
                    if reader.reachedEnd { break decoding }
                } else if single {
                    let c = scan.components[0]
                    decodeBlock(c, index: 0, at: c.coefficients!.pointer + (mcuY * c.blocksPerLine + mcuX) * 64)
                } else {
                    for (index, c) in scan.components.enumerated() {
                        let block = c.coefficients!.pointer
                        for y in 0..<c.v {
                            for x in 0..<c.h {
                                decodeBlock(c, index: index, at: block + ((mcuY * c.v + y) * c.blocksPerLine + mcuX * c.h + x) * 64)
                            }
                        }
                    }
                }
                mcu += 1
            }
        }
        guard !reader.consumedPastEnd else {
            throw SepCNNError.invalidFile("JPEG file is truncated: its data ends inside a scan (after \(mcu) of \(total) MCUs)")
        }
    }

    @inline(__always)
    private mutating func decodeBlock(_ component: JPEGComponent, index: Int, at block: UnsafeMutablePointer<Int16>) {
        switch scan.kind {
        case .sequential: decodeSequential(component, dc: scan.dcTables[index]!, ac: scan.acTables[index]!, block)
        case .dcFirst: decodeDCFirst(component, dc: scan.dcTables[index]!, block)
        case .dcRefine: decodeDCRefine(block)
        case .acFirst: decodeACFirst(ac: scan.acTables[index]!, block)
        case .acRefine: decodeACRefine(ac: scan.acTables[index]!, block)
        }
    }

    /// Baseline and extended sequential: the DC difference, then run/size pairs to the end of block
    /// (T.81 F.2.2), as libjpeg's `decode_mcu`.
    private mutating func decodeSequential(_ component: JPEGComponent, dc: JPEGHuffmanTable, ac: JPEGHuffmanTable,
                                           _ block: UnsafeMutablePointer<Int16>) {
        block.update(repeating: 0, count: 64)  // a later scan of the same component replaces, not adds (libjpeg zeroes too)
        let size = reader.decode(dc)
        component.dcPrediction &+= reader.signedBits(size)
        block[0] = Int16(truncatingIfNeeded: component.dcPrediction)
        var k = 1
        while k < 64 {
            let rs = reader.decode(ac)
            let run = rs >> 4, size = rs & 15
            if size != 0 {
                k += run
                block[jpegNaturalOrder[k]] = Int16(truncatingIfNeeded: reader.signedBits(size))
            } else {
                if run != 15 { break }  // end of block
                k += 15  // sixteen zeros
            }
            k += 1
        }
    }
}

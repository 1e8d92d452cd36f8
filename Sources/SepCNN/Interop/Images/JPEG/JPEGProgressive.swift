/// Progressive JPEG (T.81 G.1.2): DC and AC bands, each first coded at reduced precision
/// (`approximationLow` bits dropped) and then refined a bit per scan. Follows libjpeg's `jdphuff.c`,
/// including what it does with corrupt data (runs past the band are cut short, never overrun).
extension JPEGScanDecoder {
    /// First DC scan: the DC difference, scaled up by the bits still to come.
    mutating func decodeDCFirst(_ component: JPEGComponent, dc: JPEGHuffmanTable, _ block: UnsafeMutablePointer<Int16>) {
        let size = reader.decode(dc)
        component.dcPrediction &+= reader.signedBits(size)
        block[0] = Int16(truncatingIfNeeded: component.dcPrediction << scan.approximationLow)
    }

    /// DC refinement: one more bit of every DC coefficient, sent raw.
    mutating func decodeDCRefine(_ block: UnsafeMutablePointer<Int16>) {
        if reader.bit() != 0 { block[0] |= Int16(truncatingIfNeeded: 1 << scan.approximationLow) }
    }

    /// First AC scan of a band: run/size pairs as in sequential mode, and end-of-band runs that
    /// cover many blocks at once.
    mutating func decodeACFirst(ac: JPEGHuffmanTable, _ block: UnsafeMutablePointer<Int16>) {
        if endOfBandRun > 0 {
            endOfBandRun -= 1
            return
        }
        var k = scan.spectralStart
        while k <= scan.spectralEnd {
            let rs = reader.decode(ac)
            let run = rs >> 4, size = rs & 15
            if size != 0 {
                k += run
                block[jpegNaturalOrder[k]] = Int16(truncatingIfNeeded: reader.signedBits(size) << scan.approximationLow)
            } else if run == 15 {
                k += 15
            } else {
                endOfBandRun = (1 << run) - 1 + reader.bits(run)
                break
            }
            k += 1
        }
    }

    /// AC refinement (T.81 G.1.2.3): a correction bit for each coefficient already non-zero, and
    /// new coefficients of ±1 placed after `run` zero-history positions.
    mutating func decodeACRefine(ac: JPEGHuffmanTable, _ block: UnsafeMutablePointer<Int16>) {
        let plusOne = Int16(truncatingIfNeeded: 1 << scan.approximationLow)
        let minusOne = Int16(truncatingIfNeeded: -1 << scan.approximationLow)
        let end = scan.spectralEnd
        var k = scan.spectralStart

        @inline(__always) func refine(_ position: Int) {
            let coefficient = block[position]
            if reader.bit() != 0, coefficient & plusOne == 0 {
                block[position] = coefficient >= 0 ? coefficient &+ plusOne : coefficient &+ minusOne
            }
        }

        if endOfBandRun == 0 {
            while k <= end {
                let rs = reader.decode(ac)
                var run = rs >> 4
                let size = rs & 15
                var value: Int16 = 0
                if size != 0 {
                    // A new coefficient is always ±1 at this bit (size 1); libjpeg warns on others and goes on.
                    value = reader.bit() != 0 ? plusOne : minusOne
                } else if run != 15 {
                    endOfBandRun = (1 << run) + reader.bits(run)
                    break  // the rest of the block is refined below
                }
                // Step over coefficients with history (refining each) and `run` zero ones.
                while k <= end {
                    let position = jpegNaturalOrder[k]
                    if block[position] != 0 {
                        refine(position)
                    } else {
                        if run == 0 { break }
                        run -= 1
                    }
                    k += 1
                }
                if value != 0, k <= end { block[jpegNaturalOrder[k]] = value }
                k += 1
            }
        }
        if endOfBandRun > 0 {
            // In an end-of-band run: only the correction bits of coefficients already non-zero.
            while k <= end {
                let position = jpegNaturalOrder[k]
                if block[position] != 0 { refine(position) }
                k += 1
            }
            endOfBandRun -= 1
        }
    }
}

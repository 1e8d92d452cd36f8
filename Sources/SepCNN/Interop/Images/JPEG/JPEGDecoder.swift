/// JPEG (ITU T.81 / JFIF): baseline and extended sequential (SOF0, SOF1) and progressive (SOF2)
/// Huffman-coded 8-bit images, gray or three-component (YCbCr, or RGB when an Adobe marker says so),
/// any sampling factors 1–4 in integer ratios, restart intervals, and the EXIF orientation applied.
/// Decoding follows libjpeg (Pillow's decoder) step for step: the accurate integer IDCT, "fancy"
/// upsampling and its YCbCr → RGB tables, so pixels match Pillow's within a level or two.
///
/// Refused with a message naming the mode: 12-bit precision, arithmetic coding, lossless and
/// hierarchical processes, CMYK/YCCK (4 components). Damaged files throw or decode, never more:
/// every length is checked against the bytes present; the coefficients are allocated only once the
/// file has at least one bit per block left; a scan whose data stops at a marker leaves the rest of
/// its restart interval flat gray, as libjpeg does; a file that ends inside a scan is an error, one
/// that ends between scans (a progressive file cut short, or one without EOI) decodes from the scans it has.
enum JPEGDecoder {
    static let signature: [UInt8] = [0xFF, 0xD8, 0xFF]

    static func decode(_ bytes: [UInt8], maximumPixels: Int = Image.defaultMaximumPixels) throws -> Image {
        var state = JPEGMarkerState(bytes: bytes, maximumPixels: maximumPixels)
        try state.readMarkers()
        guard let frame = state.frame else { throw SepCNNError.invalidFile("JPEG has no frame header (SOF marker)") }
        guard state.scans > 0 else { throw SepCNNError.invalidFile("JPEG has no image data (SOS marker)") }
        let image = try JPEGColor.image(from: frame, colorTransform: state.colorTransform)
        return try JPEGOrientation.apply(state.orientation, to: image)
    }
}

/// Everything read from the markers so far: tables, the frame, and the metadata that decides the colour
/// transform and orientation.
struct JPEGMarkerState {
    let bytes: [UInt8]
    let maximumPixels: Int
    var position = 2
    var quantizationTables = [[Int32]?](repeating: nil, count: 4)
    var dcTables = [JPEGHuffmanTable?](repeating: nil, count: 4)
    var acTables = [JPEGHuffmanTable?](repeating: nil, count: 4)
    var restartInterval = 0
    var frame: JPEGFrame?
    var scans = 0
    var sawJFIF = false
    var adobeTransform: Int?
    var orientation = 1
    static let maximumScans = 256

    init(bytes: [UInt8], maximumPixels: Int) {
        self.bytes = bytes
        self.maximumPixels = maximumPixels
    }

    /// Three components are YCbCr unless an Adobe marker (without a JFIF one) says RGB or the
    /// component IDs spell R, G, B: libjpeg's `default_decompress_parms`.
    var colorTransform: Bool {
        guard let frame, frame.components.count == 3 else { return false }
        if sawJFIF { return true }
        if let adobeTransform { return adobeTransform != 0 }
        let ids = frame.components.map(\.id)
        return ids != [82, 71, 66]
    }

    mutating func readMarkers() throws {
        while true {
            // Skips anything that is not a marker (libjpeg warns about such bytes and goes on).
            while position < bytes.count, bytes[position] != 0xFF { position += 1 }
            while position < bytes.count, bytes[position] == 0xFF { position += 1 }
            guard position < bytes.count else {
                // No EOI: libjpeg warns and keeps what the scans decoded, if the frame had any.
                if scans > 0 { return }
                throw SepCNNError.invalidFile("JPEG file is truncated (it ends before any image data)")
            }
            let marker = bytes[position]
            position += 1
            switch marker {
            case 0xD9: return  // EOI
            case 0xD8: throw SepCNNError.invalidFile("JPEG has a second start-of-image marker")
            case 0x00, 0x01, 0xD0...0xD7: continue  // stuffed byte, TEM, stray RSTn: no segment follows
            default: break
            }
            guard bytes.count - position >= 2 else { throw SepCNNError.invalidFile("JPEG file is truncated (in a marker's length)") }
            let length = Int(bytes[position]) << 8 | Int(bytes[position + 1])
            guard length >= 2, length <= bytes.count - position else {
                let name = "FF" + (marker < 16 ? "0" : "") + String(marker, radix: 16, uppercase: true)
                throw SepCNNError.invalidFile("JPEG marker \(name) claims \(length) bytes but "
                                              + (length < 2 ? "a length is at least 2" : "the file is truncated"))
            }
            let body = Array(bytes[position + 2 ..< position + length])
            position += length
            switch marker {
            case 0xC0, 0xC1, 0xC2: try readFrame(body, marker: marker)
            case 0xC3, 0xC5...0xC7, 0xC9...0xCB, 0xCD...0xCF: throw Self.unsupportedProcess(marker)
            case 0xC4: try readHuffmanTables(body)
            case 0xDB: try readQuantizationTables(body)
            case 0xDD:
                guard body.count >= 2 else { throw SepCNNError.invalidFile("JPEG DRI marker is too short") }
                restartInterval = Int(body[0]) << 8 | Int(body[1])
            case 0xDA: try readScan(body)
            case 0xE0:
                if body.starts(with: Array("JFIF\0".utf8)) { sawJFIF = true }
            case 0xE1:
                if orientation == 1, body.starts(with: Array("Exif\0\0".utf8)) {
                    orientation = JPEGOrientation.exifOrientation(Array(body.dropFirst(6)))
                }
            case 0xEE:
                if body.count >= 12, body.starts(with: Array("Adobe".utf8)) { adobeTransform = Int(body[11]) }
            default: break  // other APPn, COM, DAC, DNL, DHP, EXP: nothing the decoder needs
            }
        }
    }

    static func unsupportedProcess(_ marker: UInt8) -> SepCNNError {
        let n = Int(marker) - 0xC0
        let name: String
        switch marker {
        case 0xC3: name = "lossless"
        case 0xC5, 0xC6: name = "hierarchical (differential)"
        case 0xC7: name = "hierarchical lossless"
        case 0xC9, 0xCA: name = "arithmetic-coded"
        case 0xCB: name = "lossless arithmetic-coded"
        default: name = "hierarchical arithmetic-coded"
        }
        return SepCNNError.invalidFile("\(name) JPEG (SOF\(n)) is not supported: only baseline, extended sequential and progressive Huffman-coded JPEG are")
    }

    mutating func readFrame(_ b: [UInt8], marker: UInt8) throws {
        guard frame == nil else { throw SepCNNError.invalidFile("JPEG has more than one frame (SOF marker)") }
        guard b.count >= 6 else { throw SepCNNError.invalidFile("JPEG frame header (SOF) is too short") }
        let precision = Int(b[0])
        let height = Int(b[1]) << 8 | Int(b[2]), width = Int(b[3]) << 8 | Int(b[4])
        let count = Int(b[5])
        guard precision == 8 else {
            throw SepCNNError.invalidFile("\(precision)-bit precision JPEG is not supported (only 8-bit samples)")
        }
        guard count != 4 else { throw SepCNNError.invalidFile("CMYK/YCCK JPEG (4 components) is not supported: only gray and YCbCr/RGB") }
        guard count == 1 || count == 3 else {
            throw SepCNNError.invalidFile("JPEG with \(count) components is not supported: only 1 (gray) or 3 (YCbCr/RGB)")
        }
        guard height > 0 else { throw SepCNNError.invalidFile("JPEG height 0 (size given later by a DNL marker) is not supported") }
        guard width > 0, width <= Image.maximumSide, height <= Image.maximumSide else {
            throw SepCNNError.invalidFile("JPEG size \(width)×\(height) is out of range (1 to \(Image.maximumSide) per side)")
        }
        try Image.requirePixels(width, height, atMost: maximumPixels, format: "JPEG")
        guard b.count >= 6 + 3 * count else { throw SepCNNError.invalidFile("JPEG frame header (SOF) is too short for \(count) components") }
        var factors: [(id: Int, h: Int, v: Int, table: Int)] = []
        for i in 0..<count {
            let id = Int(b[6 + 3 * i]), h = Int(b[7 + 3 * i] >> 4), v = Int(b[7 + 3 * i] & 15), table = Int(b[8 + 3 * i])
            guard (1...4).contains(h), (1...4).contains(v) else {
                throw SepCNNError.invalidFile("JPEG component \(id) has sampling factors \(h)×\(v) (each must be 1 to 4)")
            }
            guard table < 4 else { throw SepCNNError.invalidFile("JPEG component \(id) uses quantization table \(table) (at most 3)") }
            factors.append((id, h, v, table))
        }
        let maxH = factors.map(\.h).max()!, maxV = factors.map(\.v).max()!
        for f in factors where maxH % f.h != 0 || maxV % f.v != 0 {
            throw SepCNNError.invalidFile("JPEG component \(f.id) has sampling \(f.h)×\(f.v) against \(maxH)×\(maxV): fractional sampling is not supported")
        }
        let mcusPerLine = (width + 8 * maxH - 1) / (8 * maxH), mcusPerColumn = (height + 8 * maxV - 1) / (8 * maxV)
        let components = factors.map {
            JPEGComponent(id: $0.id, h: $0.h, v: $0.v, quantizationTable: $0.table, frameWidth: width, frameHeight: height,
                          maxH: maxH, maxV: maxV, mcusPerLine: mcusPerLine, mcusPerColumn: mcusPerColumn)
        }
        // Every block costs at least one bit in its first scan, so a header claiming far more blocks
        // than the rest of the file could code is refused before the coefficients are allocated.
        let coded = components.reduce(0) { $0 + $1.codedBlocksPerLine * $1.codedBlocksPerColumn }
        guard coded <= 8 * (bytes.count - position) else {
            throw SepCNNError.invalidFile("JPEG data is truncated: \(width)×\(height) has \(coded) blocks, more than the \(bytes.count - position) bytes left can code")
        }
        // The MCU grid's padding can make the coefficients outgrow the pixels; 8 bytes a pixel at most.
        let stored = components.reduce(0) { $0 + $1.blocksPerLine * $1.blocksPerColumn * 64 }
        guard stored <= 4 * maximumPixels else {
            throw SepCNNError.invalidFile("JPEG \(width)×\(height) needs \(stored) coefficients, more than 4 × the \(maximumPixels) pixels allowed")
        }
        frame = JPEGFrame(width: width, height: height, progressive: marker == 0xC2, components: components,
                          maxH: maxH, maxV: maxV, mcusPerLine: mcusPerLine, mcusPerColumn: mcusPerColumn)
    }

    mutating func readHuffmanTables(_ b: [UInt8]) throws {
        var p = 0
        while p < b.count {
            guard b.count - p >= 17 else { throw SepCNNError.invalidFile("JPEG Huffman table (DHT) is truncated") }
            let kind = Int(b[p] >> 4), index = Int(b[p] & 15)
            guard kind <= 1, index < 4 else { throw SepCNNError.invalidFile("JPEG Huffman table has class \(kind) and index \(index) (class 0–1, index 0–3)") }
            let counts = (1...16).map { Int(b[p + $0]) }
            let total = counts.reduce(0, +)
            guard total <= 256, b.count - p - 17 >= total else { throw SepCNNError.invalidFile("JPEG Huffman table (DHT) is truncated or has \(total) codes") }
            let table = try JPEGHuffmanTable(counts: counts, symbols: Array(b[p + 17 ..< p + 17 + total]))
            if kind == 0 { dcTables[index] = table } else { acTables[index] = table }
            p += 17 + total
        }
    }

    mutating func readQuantizationTables(_ b: [UInt8]) throws {
        var p = 0
        while p < b.count {
            let wide = b[p] >> 4, index = Int(b[p] & 15)
            guard wide <= 1, index < 4 else { throw SepCNNError.invalidFile("JPEG quantization table has precision \(wide) and index \(index) (precision 0–1, index 0–3)") }
            let size = wide == 1 ? 128 : 64
            guard b.count - p - 1 >= size else { throw SepCNNError.invalidFile("JPEG quantization table (DQT) is truncated") }
            var table = [Int32](repeating: 0, count: 64)
            for k in 0..<64 {
                let value = wide == 1 ? Int32(b[p + 1 + 2 * k]) << 8 | Int32(b[p + 2 + 2 * k]) : Int32(b[p + 1 + k])
                table[jpegNaturalOrder[k]] = value
            }
            quantizationTables[index] = table
            p += 1 + size
        }
    }

    mutating func readScan(_ b: [UInt8]) throws {
        guard let frame else { throw SepCNNError.invalidFile("JPEG scan (SOS) comes before the frame header (SOF)") }
        // Real encoders write about ten scans; a forged file with thousands would cost a pass over the image each.
        guard scans < Self.maximumScans else { throw SepCNNError.invalidFile("JPEG has more than \(Self.maximumScans) scans") }
        guard b.count >= 1 else { throw SepCNNError.invalidFile("JPEG scan header (SOS) is too short") }
        let count = Int(b[0])
        guard (1...4).contains(count), b.count >= 4 + 2 * count else {
            throw SepCNNError.invalidFile("JPEG scan header (SOS) is too short or has \(count) components")
        }
        var components: [JPEGComponent] = [], dc: [JPEGHuffmanTable?] = [], ac: [JPEGHuffmanTable?] = []
        var dcIndices: [Int] = [], acIndices: [Int] = []
        for i in 0..<count {
            let id = Int(b[1 + 2 * i])
            guard let component = frame.components.first(where: { $0.id == id }), !components.contains(where: { $0 === component }) else {
                throw SepCNNError.invalidFile("JPEG scan refers to component \(id), which the frame lacks or the scan repeats")
            }
            components.append(component)
            dcIndices.append(Int(b[2 + 2 * i] >> 4))
            acIndices.append(Int(b[2 + 2 * i] & 15))
        }
        let start = Int(b[1 + 2 * count]), end = Int(b[2 + 2 * count])
        let high = Int(b[3 + 2 * count] >> 4), low = Int(b[3 + 2 * count] & 15)
        guard count == 1 || components.reduce(0, { $0 + $1.h * $1.v }) <= 10 else {
            throw SepCNNError.invalidFile("JPEG scan has more than 10 blocks in an MCU")
        }
        let kind: JPEGScan.Kind
        if frame.progressive {
            // libjpeg's checks of a progression (JERR_BAD_PROGRESSION).
            let dcBand = start == 0
            guard dcBand ? end == 0 : (start <= end && end <= 63 && count == 1), high == 0 || low == high - 1, low <= 13 else {
                throw SepCNNError.invalidFile("JPEG progressive scan has an invalid band \(start)...\(end) or bit \(high)→\(low)")
            }
            kind = dcBand ? (high == 0 ? .dcFirst : .dcRefine) : (high == 0 ? .acFirst : .acRefine)
        } else {
            kind = .sequential  // libjpeg only warns when a sequential scan's band is not 0...63
        }
        let needsDC = kind == .sequential || kind == .dcFirst, needsAC = kind == .sequential || kind == .acFirst || kind == .acRefine
        for i in 0..<count {
            if needsDC {
                guard dcIndices[i] < 4, let table = dcTables[dcIndices[i]] else {
                    throw SepCNNError.invalidFile("JPEG scan uses DC Huffman table \(dcIndices[i]), which is not defined")
                }
                guard table.isValidForDC else { throw SepCNNError.invalidFile("JPEG DC Huffman table \(dcIndices[i]) has a symbol over 15") }
                dc.append(table)
            } else {
                dc.append(nil)
            }
            if needsAC {
                guard acIndices[i] < 4, let table = acTables[acIndices[i]] else {
                    throw SepCNNError.invalidFile("JPEG scan uses AC Huffman table \(acIndices[i]), which is not defined")
                }
                ac.append(table)
            } else {
                ac.append(nil)
            }
            let component = components[i]
            if component.quantization == nil {
                guard let table = quantizationTables[component.quantizationTable] else {
                    throw SepCNNError.invalidFile("JPEG component \(component.id) uses quantization table \(component.quantizationTable), which is not defined")
                }
                component.quantization = table
            }
        }
        let scan = JPEGScan(components: components, dcTables: dc, acTables: ac, spectralStart: start, spectralEnd: end,
                            approximationHigh: high, approximationLow: low, kind: kind)
        position = try JPEGScanDecoder.decode(scan, frame: frame, bytes: bytes, position: position, restartInterval: restartInterval)
        scans += 1
    }
}

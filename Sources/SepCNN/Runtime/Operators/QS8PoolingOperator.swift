/// int8 max or average pooling (contracts: `qs8MaxPool2DReference`, `qs8AvgPool2DReference`), in the
/// quantized domain: the output has the input's parameters. Output rows split over the pool.
struct QS8PoolingOperator: QS8UnaryOperator {
    let kind: PoolingOperator.Kind
    let geometry: ConvGeometry
    let zeroPoint: Int8

    /// g is depthwise-shaped (outputChannels = groups = inputChannels). Throws otherwise, or for a
    /// window of more than 2²³ elements (int32 sums).
    init(_ kind: PoolingOperator.Kind, _ g: ConvGeometry, quantization: QuantizationParameters) throws {
        guard g.inputChannels == g.outputChannels, g.groups == g.inputChannels, g.inputChannels > 0 else {
            throw SepCNNError.shapeMismatch("int8 pooling keeps the channels: \(g.inputChannels) in, \(g.outputChannels) out")
        }
        guard g.kernelHeight > 0, g.kernelWidth > 0, g.strideHeight > 0, g.strideWidth > 0,
              g.kernelHeight * g.kernelWidth <= 1 << 23 else {
            throw SepCNNError.shapeMismatch("int8 pooling: window \(g.kernelHeight)×\(g.kernelWidth) and stride must be positive, at most 2^23 elements")
        }
        self.kind = kind
        geometry = g
        zeroPoint = quantization.zeroPoint
    }

    private var perPart: Int { (4 &* geometry.inputChannels &+ 63) & ~63 }

    func scratchByteCount(threads: Int) -> Int { kind == .max ? 0 : perPart &* max(threads, 1) }

    func run(input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>,
             scratch: UnsafeMutableRawPointer, pool: ThreadPool) {
        let g = geometry, rows = g.batch &* g.outputHeight, z = zeroPoint, kind = kind, perPart = perPart
        let parts = parallelParts(flops: g.outputCount &* g.kernelHeight &* g.kernelWidth / 4, threads: pool.threads, units: rows)
        pool.parallelFor(parts) { part in
            let range = partition(rows, parts: parts, part: part)
            guard !range.isEmpty else { return }
            switch kind {
            case .max: qs8MaxPool2D(g, input: input, output: output, rows: range)
            case .average(let includePadding):
                qs8AvgPool2D(g, countIncludesPadding: includePadding, zeroPoint: z, input: input, output: output,
                             rows: range, scratch: scratch + part &* perPart)
            }
        }
    }
}

/// The int8 mean over each image's pixels, channel by channel: `[N, H, W, C]` → `[N, C]`, with the
/// input's quantization parameters (contract: `qs8GlobalAvgPoolReference`).
struct QS8GlobalAveragePoolingOperator: QS8UnaryOperator {
    let batch: Int, pixels: Int, channels: Int
    let zeroPoint: Int8

    /// `inputShape` is NHWC; throws otherwise, or for more than 2²³ pixels (int32 sums).
    init(inputShape s: [Int], quantization: QuantizationParameters) throws {
        guard s.count == 4, s.allSatisfy({ $0 >= 0 }), s[1] * s[2] <= 1 << 23 else {
            throw SepCNNError.shapeMismatch("int8 global average pooling expects an NHWC input of at most 2^23 pixels, got \(describe(s))")
        }
        (batch, pixels, channels) = (s[0], s[1] * s[2], s[3])
        zeroPoint = quantization.zeroPoint
    }

    private var perPart: Int { (4 &* channels &+ 63) & ~63 }

    func scratchByteCount(threads: Int) -> Int { perPart &* max(threads, 1) }

    func run(input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>,
             scratch: UnsafeMutableRawPointer, pool: ThreadPool) {
        let batch = batch, pixels = pixels, channels = channels, z = zeroPoint, perPart = perPart
        let parts = parallelParts(flops: batch &* pixels &* channels / 4, threads: pool.threads, units: batch)
        pool.parallelFor(parts) { part in
            qs8GlobalAvgPool(images: partition(batch, parts: parts, part: part), pixels: pixels, channels: channels, zeroPoint: z,
                             input: input, output: output, scratch: scratch + part &* perPart)
        }
    }
}

/// Max or average pooling over windows (contracts: `maxPool2DReference`, `avgPool2DReference`),
/// images split over the pool.
struct PoolingOperator: UnaryOperator {
    enum Kind: Equatable { case max, average(countIncludesPadding: Bool) }
    let kind: Kind
    /// Depthwise-shaped: outputChannels = groups = inputChannels.
    let geometry: ConvGeometry

    init(_ kind: Kind, _ g: ConvGeometry) throws {
        guard g.inputChannels == g.outputChannels, g.groups == g.inputChannels else {
            throw SepCNNError.shapeMismatch("pooling keeps the channels: \(g.inputChannels) in, \(g.outputChannels) out")
        }
        self.kind = kind
        geometry = g
    }

    func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
             scratch: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        let g = geometry
        switch kind {
        case .max:
            let parts = parallelParts(flops: g.outputCount &* g.kernelHeight &* g.kernelWidth, threads: pool.threads, units: g.batch)
            pool.parallelFor(parts) { part in
                maxPool2D(g, input: input, output: output, images: partition(g.batch, parts: parts, part: part))
            }
        case .average(let includePadding):
            avgPool2DReference(g, countIncludesPadding: includePadding, input: input, output: output)
        }
    }
}

/// The mean over each image's pixels, channel by channel: `[N, H, W, C]` → `[N, C]`.
struct GlobalAveragePoolingOperator: UnaryOperator {
    let batch: Int, pixels: Int, channels: Int

    /// `inputShape` is NHWC.
    init(inputShape s: [Int]) throws {
        guard s.count == 4, s.allSatisfy({ $0 >= 0 }) else {
            throw SepCNNError.shapeMismatch("global average pooling expects an NHWC input, got \(describe(s))")
        }
        (batch, pixels, channels) = (s[0], s[1] * s[2], s[3])
    }

    func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
             scratch: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        // Split over channels: one image's mean is the common case, and each slice is read once.
        forEachPart(of: channels, cost: streamingCostPerElement &* batch &* pixels, pool: pool, granule: 16) { range in
            globalAvgPoolReference(batch: batch, pixels: pixels, channels: range.count, rowStride: channels,
                                   input: input + range.lowerBound, output: output + range.lowerBound)
        }
    }
}

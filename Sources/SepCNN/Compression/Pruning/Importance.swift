/// How the channels of a group are ranked: the least important go first.
public enum PruningCriterion: String, CaseIterable, Sendable, Codable {
    /// L1 norm of the filters that make the channel (Li et al., 2017), summed over the group's layers.
    case l1
    /// L2 norm of the same filters.
    case l2
    /// |γ| of the group's BatchNorms (Network Slimming, Liu et al., 2017); best after `--bn-l1` training.
    case bn
    /// First-order Taylor: (Σ activation × gradient)² per batch, averaged over a few batches
    /// (Molchanov et al., 2017 and 2019). Needs labelled data.
    case taylor

    public var needsData: Bool { self == .taylor }
}

/// The weights whose innermost index is a layer's output channel (every SepCNN layout keeps it
/// innermost: `[kh, kw, Cin/g, Cout]`, `[kh, kw, C, M]` as C·M outputs, `[Cin, Cout]`, `[C]`).
enum OutputChannelRole { case filter, bias, scale, shift }

extension Layer {
    var outputChannelParameters: [(role: OutputChannelRole, parameter: Parameter)] {
        func withBias(_ weight: Parameter, _ bias: Parameter?) -> [(role: OutputChannelRole, parameter: Parameter)] {
            [(.filter, weight)] + (bias.map { [(.bias, $0)] } ?? [])
        }
        switch self {
        case let l as Conv2D: return withBias(l.weight, l.bias)
        case let l as DepthwiseConv2D: return withBias(l.weight, l.bias)
        case let l as PointwiseConv2D: return withBias(l.weight, l.bias)
        case let l as Dense: return withBias(l.weight, l.bias)
        case let l as BatchNorm: return [(.scale, l.weight), (.shift, l.bias)]
        default: return []
        }
    }
}

/// Labelled images for the Taylor criterion, already shaped for the model.
public struct PruningData {
    public var batches: [(images: Tensor, labels: [Int])]

    /// - Parameter batches: NHWC batches of the model's input shape, each with its labels.
    public init(batches: [(images: Tensor, labels: [Int])]) {
        self.batches = batches
    }

    /// The first `batches` batches of `batchSize` images of `dataset` (in order), adapted to `model`'s input.
    ///
    /// - Parameters:
    ///   - dataset: labelled images, usually the training split.
    ///   - model: the model the batches are for: images are resized and made gray or RGB as it needs.
    ///   - batches: how many batches at most (default 8).
    ///   - batchSize: images per batch (default 32).
    /// - Throws: ``SepCNNError`` if the images cannot be adapted to the model or `batchSize` is not positive.
    public init(_ dataset: Dataset, for model: Model, batches: Int = 8, batchSize: Int = 32) throws {
        let adapter = try InputAdapter(from: dataset.imageShape, to: model.inputShape)
        let loader = try BatchLoader(dataset: dataset, batchSize: batchSize, shuffle: false)
        self.batches = try loader.batches(epoch: 0).prefix(batches).map { (try adapter($0.images), $0.labels) }
    }
}

extension DependencyGraph {
    /// `importance[g][c]` for channel c of group g; larger means more important.
    public func importance(_ criterion: PruningCriterion, data: PruningData? = nil) throws -> [[Double]] {
        var scores = groups.map { [Double](repeating: 0, count: $0.channels) }
        // Which group channel each element is, if any.
        var owner: [Int: (group: Int, channel: Int)] = [:]
        for (g, channels) in channelElements.enumerated() {
            for (c, elements) in channels.enumerated() { for e in elements { owner[e] = (g, c) } }
        }
        /// The group channel of every output channel of `operation`, nil where it is in no group.
        func outputOwners(_ operation: ChannelGraph.Operation) -> [(group: Int, channel: Int)?] {
            (0..<graph.values[operation.output].channels).map { owner[graph.element(operation.output, $0)] }
        }
        let weighted = graph.operations.filter { !$0.layer.outputChannelParameters.isEmpty }
        switch criterion {
        case .l1, .l2, .bn:
            var found = false
            for operation in weighted {
                let owners = outputOwners(operation)
                guard owners.contains(where: { $0 != nil }) else { continue }
                for (role, parameter) in operation.layer.outputChannelParameters where role == (criterion == .bn ? .scale : .filter) {
                    found = true
                    // Per output channel of the layer first, then summed into the group channel it belongs to
                    // (several output channels share one for a depthwise multiplier).
                    var perOutput = [Double](repeating: 0, count: owners.count)
                    for (i, w) in parameter.value.scalars.enumerated() {
                        perOutput[i % owners.count] += criterion == .l2 ? Double(w * w) : Double(abs(w))
                    }
                    var perChannel: [Int: Double] = [:]
                    for (o, sum) in zip(owners, perOutput) { if let o { perChannel[o.group << 32 | o.channel, default: 0] += sum } }
                    for (key, sum) in perChannel { scores[key >> 32][key & 0xFFFF_FFFF] += criterion == .l2 ? sum.squareRoot() : sum }
                }
            }
            if criterion == .bn {
                if let bare = groups.first(where: { group in !group.members.contains { path in
                    graph.operations.contains { $0.path == path && $0.layer is BatchNorm } } }) {
                    throw SepCNNError.invalidArgument(
                        "the bn criterion ranks channels by BatchNorm scale, but group \(bare.name) passes no BatchNorm; use l1, l2 or taylor")
                }
            }
            guard found || groups.isEmpty else { throw SepCNNError.invalidArgument("no layer of model \(model.name) has filters to rank") }
        case .taylor:
            guard let data, !data.batches.isEmpty else {
                throw SepCNNError.invalidArgument("the taylor criterion needs labelled images (a dataset); none were given")
            }
            for batch in data.batches {
                model.zeroGradients()
                let (logits, pullback) = try model.valueWithPullback(batch.images, training: false)
                _ = try pullback(try Loss.crossEntropy(logits: logits, labels: batch.labels).gradient)
                // Σ θ·∂L/∂θ over the weights of one output channel is Σ activation × gradient over
                // that channel's pixels and images: the layer's output is linear in them.
                var sums = scores.map { [Double](repeating: 0, count: $0.count) }
                for operation in weighted {
                    let owners = outputOwners(operation)
                    let outputs = owners.count
                    for (_, parameter) in operation.layer.outputChannelParameters {
                        guard let gradient = parameter.gradient else { continue }
                        for (i, (w, g)) in zip(parameter.value.scalars, gradient.scalars).enumerated() {
                            if let o = owners[i % outputs] { sums[o.group][o.channel] += Double(w * g) }
                        }
                    }
                }
                for g in sums.indices { for c in sums[g].indices { scores[g][c] += sums[g][c] * sums[g][c] / Double(data.batches.count) } }
            }
            model.zeroGradients()
        }
        return scores
    }
}

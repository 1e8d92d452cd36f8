/// What pruning changed, layer by layer: output channels and multiply-accumulates (one image)
/// before and after, with the model's totals.
public struct PruningReport: Sendable {
    public struct Row: Sendable, Equatable, Encodable {
        public var path: String
        public var type: String
        public var channelsBefore: Int, channelsAfter: Int
        public var macsBefore: Int, macsAfter: Int
    }

    /// The convolutions and dense layers, in execution order.
    public var rows: [Row]
    public var parametersBefore: Int, parametersAfter: Int
    public var macsBefore: Int, macsAfter: Int

    /// Compares a model with its pruned version (layers are matched by path, which pruning keeps).
    ///
    /// - Parameters:
    ///   - original: the model before pruning.
    ///   - pruned: what ``ChannelPruner/prune(_:target:data:)`` made of it.
    public init(original: Model, pruned: Model) throws {
        let before = try DependencyGraph(original).layerCounts(), after = try DependencyGraph(pruned).layerCounts()
        let afterByPath = Dictionary(after.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        rows = before.filter { $0.macs > 0 }.map { b in
            let a = afterByPath[b.path]
            return Row(path: b.path, type: b.type, channelsBefore: b.channels, channelsAfter: a?.channels ?? 0,
                       macsBefore: b.macs, macsAfter: a?.macs ?? 0)
        }
        let (s0, s1) = (try ModelSummary(original), try ModelSummary(pruned))
        (parametersBefore, parametersAfter, macsBefore, macsAfter) = (s0.totalParameters, s1.totalParameters, s0.macs, s1.macs)
    }
}

extension Model {
    /// The median time of one batch-1 inference through a compiled `InferencePlan`, in microseconds.
    public func measuredLatency(pool: ThreadPool = .shared, options: TimingOptions = TimingOptions(warmup: 5, repetitions: 30)) throws -> Double {
        let plan = try InferencePlan(self, batch: 1, pool: pool)
        var generator = RandomGenerator(seed: 1)
        let input = try Tensor.normal([1] + inputShape, using: &generator)
        return try medianMicroseconds(options) { _ = try plan(input) }
    }
}

/// How much to prune.
public enum PruningTarget: Sendable, Equatable {
    /// Remove this fraction, in (0, 1), of each group's channels (or, ranked globally, of all of them).
    case ratio(Double)
    /// Prune until the model has at most this fraction, in (0, 1), of its multiply-accumulates.
    case macs(Double)
}

/// Chooses which channels to remove and rewrites the model without them.
///
/// Local ranking removes the same fraction of every group; global ranking compares channels
/// across groups (each group's scores divided by their mean, so layers of different fan-in compare,
/// as Torch-Pruning normalises) and keeps at least `minimumKeptFraction` of every group. Kept
/// counts are rounded to a multiple of `roundTo` (never below it, never above the group's size).
public struct ChannelPruner: Sendable {
    public var criterion: PruningCriterion
    public var global: Bool
    /// 16 by default: the kernels work on 16 floats at a time (one AVX-512 register; GEMM panels
    /// are multiples of 16 columns), so a count that is not a multiple pays a masked tail at full cost.
    public var roundTo: Int
    public var minimumKeptFraction: Double

    public static let defaultRoundTo = 16

    /// Settings are checked when a target is given (``requireReachable(_:target:)``).
    ///
    /// - Parameters:
    ///   - criterion: how channels are ranked: `.l1` (the default: the L1 norm of the filters that make
    ///     them, Li et al. 2017), `.l2`, `.bn` (|γ| of their BatchNorms, after Network Slimming training
    ///     with ``TrainingConfiguration/batchNormL1``) or `.taylor` (needs ``PruningData``).
    ///   - global: rank channels across all groups (true) instead of removing the same fraction of each
    ///     (false, the default). Global ranking can prune some layers much harder than others.
    ///   - roundTo: kept channel counts are multiples of this, 1 to 4096 (default 16, the kernels' vector
    ///     width: a count off the multiple pays for a masked tail at full cost). 1 keeps exact counts.
    ///   - minimumKeptFraction: the least share of every group that global ranking keeps, in (0, 1)
    ///     (default 0.1), so no layer is emptied.
    public init(criterion: PruningCriterion = .l1, global: Bool = false, roundTo: Int = ChannelPruner.defaultRoundTo,
                minimumKeptFraction: Double = 0.1) {
        self.criterion = criterion
        self.global = global
        self.roundTo = roundTo
        self.minimumKeptFraction = minimumKeptFraction
    }

    func validate(_ target: PruningTarget) throws {
        switch target {
        case .ratio(let r):
            guard r > 0, r < 1 else { throw SepCNNError.invalidArgument("the pruning ratio must lie strictly between 0 and 1, got \(r)") }
        case .macs(let f):
            guard f > 0, f < 1 else {
                throw SepCNNError.invalidArgument("the MAC target must be a fraction strictly between 0 and 1 of the model's MACs, got \(f)")
            }
        }
        guard (1...4096).contains(roundTo) else { throw SepCNNError.invalidArgument("round-to must lie between 1 and 4096, got \(roundTo)") }
        guard minimumKeptFraction > 0, minimumKeptFraction < 1 else {
            throw SepCNNError.invalidArgument("the minimum kept fraction must lie strictly between 0 and 1, got \(minimumKeptFraction)")
        }
    }

    /// The fewest channels a group of `n` may keep.
    func minimumKept(_ n: Int) -> Int { min(n, rounded(Int((minimumKeptFraction * Double(n)).rounded(.up)), n)) }

    /// `kept` rounded to the nearest multiple of `roundTo`, at least `roundTo`, at most `n`.
    func rounded(_ kept: Int, _ n: Int) -> Int {
        min(n, max(roundTo, (kept + roundTo / 2) / roundTo * roundTo))
    }

    /// Throws if `target` is out of range, no group of `graph` can shrink, or no choice of channels
    /// reaches it. Cheap (no scores, no data: a model's MACs depend only on how many channels each
    /// group keeps), so a command can refuse a hopeless request before reading data or timing anything.
    ///
    /// - Parameters:
    ///   - graph: the model's dependency groups.
    ///   - target: the fraction to remove, or of the MACs to keep.
    public func requireReachable(_ graph: DependencyGraph, target: PruningTarget) throws {
        try validate(target)
        guard graph.groups.contains(where: { minimumKept($0.channels) < $0.channels }) else {
            let why = graph.groups.isEmpty ? "no channel group can shrink (every channel reaches the output or a layer pruning cannot rewrite)"
                : "every group is at most \(roundTo) channels (--round-to \(roundTo))"
            throw SepCNNError.invalidArgument("model \(graph.model.name) has no prunable channel group: \(why)")
        }
        guard case .macs(let fraction) = target else { return }
        let full = try graph.macs()
        let goal = Int((fraction * Double(full)).rounded(.down))
        // Local and global ranking alike bottom out at every group's minimum.
        var fewest: [Int: Set<Int>] = [:]
        for group in graph.groups { fewest[group.index] = Set(0..<(group.channels - minimumKept(group.channels))) }
        let smallest = try graph.macs(removing: fewest)
        guard smallest <= goal else {
            throw SepCNNError.invalidArgument(
                "a MAC target of \(percent(fraction)) cannot be reached: keeping \(percent(minimumKeptFraction)) of every group "
                    + "(rounded to multiples of \(roundTo)) still leaves \(percent(Double(smallest) / Double(max(full, 1)))) of the MACs")
        }
    }

    /// The channels to remove from each group of `graph` (indices into the group's channels).
    ///
    /// - Parameters:
    ///   - graph: the model's dependency groups.
    ///   - target: the fraction to remove, or of the MACs to keep.
    ///   - data: labelled batches for the `.taylor` criterion (default: none; the other criteria need none).
    /// - Returns: the removed channels by group index; groups left whole are absent.
    /// - Throws: ``SepCNNError`` for a target out of range or out of reach, or `.taylor` without data.
    public func selection(_ graph: DependencyGraph, target: PruningTarget, data: PruningData? = nil) throws -> [Int: Set<Int>] {
        try requireReachable(graph, target: target)
        let scores = try graph.importance(criterion, data: data)
        // Each group's channels from least to most important (ties: lower index first).
        let order = scores.map { s in s.indices.sorted { (s[$0], $0) < (s[$1], $1) } }
        // Scores divided by their group's mean, so that groups of different scale rank together.
        let normalised = scores.map { s in
            let mean = s.reduce(0, +) / Double(max(s.count, 1))
            return mean > 0 ? s.map { $0 / mean } : s
        }
        func removing(kept counts: [Int]) -> [Int: Set<Int>] {
            var removed: [Int: Set<Int>] = [:]
            for group in graph.groups where counts[group.index] < group.channels {
                removed[group.index] = Set(order[group.index].prefix(group.channels - counts[group.index]))
            }
            return removed
        }
        func localCounts(_ ratio: Double) -> [Int] {
            graph.groups.map { g in
                max(minimumKept(g.channels), rounded(g.channels - Int((ratio * Double(g.channels)).rounded()), g.channels))
            }
        }
        // Global ranking: every channel with its normalised score; the k lowest go (minimum kept respected).
        let ranked: [(group: Int, score: Double)] = graph.groups.flatMap { g in
            normalised[g.index].map { (group: g.index, score: $0) }
        }.sorted { $0.score < $1.score }
        // Kept counts move in steps of `roundTo`, so the fewest globally ranked removals that meet a MAC goal can
        // overshoot it by a whole step of a wide group (fashion-sepcnn at 0.5 landed at 36 %). Steps go back, one at
        // a time, to the group whose most important removed channel ranks highest, while the goal still holds.
        func givingBack(to counts: [Int], while goal: Int) throws -> [Int] {
            var counts = counts
            // The normalised score of group g's most important removed channel.
            func lastRemoved(_ g: Int) -> Double { normalised[g][order[g][graph.groups[g].channels - counts[g] - 1]] }
            var refused = Set<Int>()
            while true {
                let candidates = graph.groups.indices.filter { counts[$0] < graph.groups[$0].channels && !refused.contains($0) }
                guard let g = candidates.max(by: { lastRemoved($0) < lastRemoved($1) }) else { return counts }
                var grown = counts
                grown[g] = min(graph.groups[g].channels, counts[g] + roundTo)
                if try graph.macs(removing: removing(kept: grown)) <= goal { counts = grown } else { refused.insert(g) }
            }
        }
        func globalCounts(_ k: Int) -> [Int] {
            var counts = graph.groups.map(\.channels)
            for (group, _) in ranked.prefix(k) where counts[group] > minimumKept(graph.groups[group].channels) { counts[group] -= 1 }
            return graph.groups.map { g in max(minimumKept(g.channels), rounded(counts[g.index], g.channels)) }
        }

        switch target {
        case .ratio(let r):
            return removing(kept: global ? globalCounts(Int((r * Double(ranked.count)).rounded())) : localCounts(r))
        case .macs(let fraction):
            let goal = Int((fraction * Double(try graph.macs())).rounded(.down))
            if global {
                var (low, high) = (0, ranked.count)  // the fewest removed channels that meet the goal
                while low < high {
                    let middle = (low + high) / 2
                    if try graph.macs(removing: removing(kept: globalCounts(middle))) <= goal { high = middle } else { low = middle + 1 }
                }
                return removing(kept: try givingBack(to: globalCounts(low), while: goal))
            }
            var (low, high) = (0.0, 1.0)
            for _ in 0..<40 {
                let middle = (low + high) / 2
                if try graph.macs(removing: removing(kept: localCounts(middle))) <= goal { high = middle } else { low = middle }
            }
            return removing(kept: localCounts(high))
        }
    }

    /// `model` without the channels `selection` chooses for `target`.
    ///
    /// - Parameters:
    ///   - model: a float model, built in, loaded or imported; it is not changed. Quantize after pruning,
    ///     not before.
    ///   - target: ``PruningTarget/macs(_:)`` keeps at most that fraction of the multiply-accumulates;
    ///     ``PruningTarget/ratio(_:)`` removes that fraction of every group (or of all channels, with `global`).
    ///   - data: labelled batches for the `.taylor` criterion (default: none).
    /// - Returns: a new model named `NAME-pruned`, with the kept weights copied and BatchNorm statistics as
    ///   they were; recalibrate them (``Model/recalibrateBatchNorm(on:)``) or fine-tune.
    /// - Throws: ``SepCNNError`` for int8 weights, a target out of range or out of reach, or `.taylor`
    ///   without data.
    public func prune(_ model: Model, target: PruningTarget, data: PruningData? = nil) throws -> Model {
        let graph = try DependencyGraph(model)
        return try graph.prunedModel(removing: try selection(graph, target: target, data: data))
    }
}

func percent(_ fraction: Double) -> String { String(format: "%.1f %%", fraction * 100) }

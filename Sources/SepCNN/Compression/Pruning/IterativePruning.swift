extension ChannelPruner {
    /// Prunes toward `target` in `steps` rounds (Molchanov et al.'s iterative pruning): round i
    /// brings the model to `fraction^(i/steps)` of the original MACs, or removes
    /// `1 − (1 − ratio)^(1/steps)` of every group, so the rounds compound to the target. After each
    /// round `fineTune(model, round)` may train the pruned model in place; `data(model)` gives the
    /// Taylor criterion its images for the current model (nil for the other criteria).
    ///
    /// - Parameters:
    ///   - model: the float model to prune; it is not changed.
    ///   - target: the overall target the rounds compound to.
    ///   - steps: the number of rounds, 1 to 100.
    ///   - data: the Taylor criterion's batches for the model of each round (default: none).
    ///   - fineTune: trains the model of round `i` (1-based) in place after it is pruned (default: nothing).
    /// - Throws: ``SepCNNError`` for `steps` or `target` out of range, or whatever a round or `fineTune` throws.
    public func prune(_ model: Model, target: PruningTarget, steps: Int,
                      data: (Model) throws -> PruningData? = { _ in nil },
                      fineTune: (Model, Int) throws -> Void = { _, _ in }) throws -> Model {
        guard (1...100).contains(steps) else { throw SepCNNError.invalidArgument("the number of pruning steps must lie between 1 and 100, got \(steps)") }
        try validate(target)
        let original = try DependencyGraph(model).macs()
        var current = model
        for round in 1...steps {
            let share = Double(round) / Double(steps)
            let step: PruningTarget
            switch target {
            case .ratio(let r):
                step = .ratio(1 - Foundation.pow(1 - r, 1 / Double(steps)))
            case .macs(let f):
                let goal = Foundation.pow(f, share) * Double(original)
                let now = Double(try DependencyGraph(current).macs())
                guard goal < now else { try fineTune(current, round); continue }
                step = .macs(goal / now)
            }
            current = try prune(current, target: step, data: try data(current))
            try fineTune(current, round)
        }
        return current
    }
}

import Foundation

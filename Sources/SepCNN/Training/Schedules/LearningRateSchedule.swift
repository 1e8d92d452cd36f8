import Foundation

/// A learning rate as a pure function of the step index (0 for the first update), so a run
/// resumed at step `t` continues with exactly the rate it would have had.
///
/// Each case gives the value PyTorch's matching `torch.optim.lr_scheduler` has after `t` calls
/// of `scheduler.step()`.
public indirect enum LearningRateSchedule: Equatable, Sendable {
    /// Always `rate`.
    case constant(Float)
    /// `initial · gamma^⌊t / stepSize⌋` (`StepLR`).
    case step(initial: Float, stepSize: Int, gamma: Float)
    /// Half a cosine from `initial` at t = 0 to `minimum` at t = `totalSteps`, then `minimum`
    /// (`CosineAnnealingLR(T_max: totalSteps, eta_min: minimum)`).
    case cosine(initial: Float, minimum: Float, totalSteps: Int)
    /// For t < `steps`, the rate of `then` at its start scaled linearly from `startFactor` up to 1;
    /// afterwards `then` at `t − steps` (`SequentialLR([LinearLR(start_factor, total_iters: steps),
    /// then], milestones: [steps])`).
    case warmup(steps: Int, startFactor: Float, then: LearningRateSchedule)

    /// The learning rate for step `t` (negative t counts as 0).
    public func learningRate(at t: Int) -> Float {
        let t = max(t, 0)
        switch self {
        case let .constant(rate):
            return rate
        case let .step(initial, stepSize, gamma):
            return initial * Float(pow(Double(gamma), Double(t / max(stepSize, 1))))
        case let .cosine(initial, minimum, totalSteps):
            guard totalSteps > 0, t < totalSteps else { return minimum }
            let phase = Double.pi * Double(t) / Double(totalSteps)
            return minimum + Float(Double(initial - minimum) * (1 + cos(phase)) / 2)
        case let .warmup(steps, startFactor, then):
            guard t < steps else { return then.learningRate(at: t - steps) }
            let factor = Double(startFactor) + (1 - Double(startFactor)) * Double(t) / Double(steps)
            return Float(Double(then.learningRate(at: 0)) * factor)
        }
    }
}

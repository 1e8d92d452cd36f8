import Foundation
import Testing
@testable import SepCNN

/// `Loss.distillation` and `Loss.softmax(logits:temperature:)` against PyTorch
/// (`Scripts/make_distillation_fixtures.py` → `Fixtures/distillation.json`), against central finite
/// differences, and at their limits.
@Suite struct DistillationLossTests {
    struct File: Decodable { let cases: [Case] }
    struct Case: Decodable, CustomStringConvertible {
        let name: String
        let temperature, alpha, labelSmoothing: Float
        let student, teacher, softTeacher, softStudent, gradient: FixtureTensor
        let labels: [Int]
        let kl, loss: Float
        var description: String { name }
    }

    static let fixture: File? = try? JSONDecoder().decode(
        File.self, from: Data(contentsOf: Fixtures.directory.appendingPathComponent("distillation.json")))

    static func tensor(_ t: FixtureTensor) throws -> Tensor { try Tensor(shape: t.shape, scalars: t.data) }

    @Test func fixtureLoads() { #expect(Self.fixture?.cases.isEmpty == false) }

    /// PyTorch computed in float64; float32 softmax of logits up to ~30 (large logits / T) is good to a few ulps.
    @Test(arguments: fixture?.cases ?? [])
    func softmaxAtTemperatureMatchesPyTorch(_ c: Case) throws {
        let teacher = try Loss.softmax(logits: try Self.tensor(c.teacher), temperature: c.temperature)
        let student = try Loss.softmax(logits: try Self.tensor(c.student), temperature: c.temperature)
        let (expectedTeacher, expectedStudent) = (try Self.tensor(c.softTeacher), try Self.tensor(c.softStudent))
        #expect(isClose(teacher, expectedTeacher, rtol: 1e-5, atol: 1e-7), "off by \(teacher.maxAbsoluteDifference(expectedTeacher))")
        #expect(isClose(student, expectedStudent, rtol: 1e-5, atol: 1e-7), "off by \(student.maxAbsoluteDifference(expectedStudent))")
    }

    /// The loss (whose soft term is α·T²·KL) and its gradient. With α = 1 the value is T² times
    /// PyTorch's `kl_div(..., reduction="batchmean")` alone, which checks the T² scaling directly.
    @Test(arguments: fixture?.cases ?? [])
    func lossAndGradientMatchPyTorch(_ c: Case) throws {
        let result = try Loss.distillation(studentLogits: try Self.tensor(c.student), teacherLogits: try Self.tensor(c.teacher),
                                           labels: c.labels, temperature: c.temperature, alpha: c.alpha, labelSmoothing: c.labelSmoothing)
        #expect(abs(result.value - c.loss) <= 2e-5 * max(1, abs(c.loss)), "loss \(result.value), PyTorch \(c.loss)")
        let expected = try Self.tensor(c.gradient)
        #expect(isClose(result.gradient, expected, rtol: 1e-4, atol: 1e-6), "gradient off by \(result.gradient.maxAbsoluteDifference(expected))")
        if c.alpha == 1 {
            let scaled = c.temperature * c.temperature * c.kl
            #expect(abs(result.value - scaled) <= 2e-5 * max(1, scaled), "α = 1 is T²·KL: \(result.value) against \(scaled)")
        }
    }

    /// The soft term's gradient is T·(p_s − p_t)/N: with the T² factor its size does not fall as T grows
    /// (without it, it would fall as 1/T). For these logits, from T = 2 to T = 8 it stays within a factor of 2.
    @Test func theSquaredTemperatureKeepsTheSoftGradientsSizeAcrossTemperatures() throws {
        let cases = try #require(Self.fixture).cases.filter { $0.alpha == 0.9 && $0.labelSmoothing == 0 && $0.student.shape == [6, 10] }
        func norm(_ c: Case) throws -> Float {
            let g = try Loss.distillation(studentLogits: try Self.tensor(c.student), teacherLogits: try Self.tensor(c.teacher),
                                          labels: c.labels, temperature: c.temperature, alpha: 1).gradient
            return g.scalars.reduce(0) { $0 + $1 * $1 }.squareRoot()
        }
        let byTemperature = Dictionary(try cases.filter { $0.name.hasPrefix("T=") }.map { ($0.temperature, try norm($0)) }, uniquingKeysWith: { a, _ in a })
        let (t2, t8) = (try #require(byTemperature[2]), try #require(byTemperature[8]))
        #expect(t8 / t2 > 0.5 && t8 / t2 < 2, "‖∇‖ at T = 2: \(t2), at T = 8: \(t8)")
    }

    /// Central differences of the loss (accumulated in Double, returned in Float) with h = 1e-2: the
    /// value's float32 rounding (~1e-7 of a loss near 1) over 2h is ~1e-5, and the truncation error
    /// h²/6·f‴ is below 1e-4 for these smooth functions of logits near 1. Hence 2e-3 + 1e-2·|numeric|.
    @Test(arguments: [(Float(1), Float(1)), (4, 1), (4, 0.9), (2.5, 0.3)])
    func gradientMatchesFiniteDifferences(_ temperature: Float, _ alpha: Float) throws {
        var r = RandomGenerator(seed: 21)
        let shape = [4, 7]
        let student = try Tensor(shape: shape, scalars: (0..<28).map { _ in r.normal() })
        let teacher = try Tensor(shape: shape, scalars: (0..<28).map { _ in 2 * r.normal() })
        let labels = [3, 0, 6, 2]
        func loss(_ s: Tensor) throws -> Float {
            try Loss.distillation(studentLogits: s, teacherLogits: teacher, labels: labels, temperature: temperature, alpha: alpha).value
        }
        let analytic = try Loss.distillation(studentLogits: student, teacherLogits: teacher, labels: labels,
                                             temperature: temperature, alpha: alpha).gradient
        let h: Float = 1e-2
        for i in 0..<student.count {
            var plus = student, minus = student
            plus.scalars[i] += h
            minus.scalars[i] -= h
            let numeric = (try loss(plus) - loss(minus)) / (2 * h)
            #expect(abs(analytic.scalars[i] - numeric) <= 2e-3 + 1e-2 * abs(numeric),
                    "T \(temperature) α \(alpha), logit \(i): analytic \(analytic.scalars[i]), numeric \(numeric)")
        }
    }

    /// α = 0 is cross-entropy itself, value and gradient bit for bit, whatever the teacher says.
    @Test func alphaZeroIsCrossEntropyExactly() throws {
        var r = RandomGenerator(seed: 3)
        let student = try Tensor(shape: [5, 4], scalars: (0..<20).map { _ in 3 * r.normal() })
        let teacher = try Tensor(shape: [5, 4], scalars: (0..<20).map { _ in 3 * r.normal() })
        let labels = [0, 3, 1, 1, 2]
        for smoothing: Float in [0, 0.1] {
            let plain = try Loss.crossEntropy(logits: student, labels: labels, labelSmoothing: smoothing)
            let distilled = try Loss.distillation(studentLogits: student, teacherLogits: teacher, labels: labels,
                                                  temperature: 4, alpha: 0, labelSmoothing: smoothing)
            #expect(distilled.value == plain.value)
            #expect(distilled.gradient == plain.gradient)
        }
    }

    /// A student that already agrees with its teacher has no soft loss or soft gradient at any temperature.
    @Test func aStudentEqualToItsTeacherHasNoSoftLoss() throws {
        let logits = try Tensor(shape: [2, 3], scalars: [1, -2, 0.5, 3, 3, -1])
        for temperature: Float in [0.5, 1, 4, 20] {
            let result = try Loss.distillation(studentLogits: logits, teacherLogits: logits, labels: [0, 1], temperature: temperature, alpha: 1)
            #expect(abs(result.value) < 1e-6)
            #expect(result.gradient.scalars.allSatisfy { abs($0) < 1e-6 })
        }
    }

    @Test(arguments: [Float(0), -1, .nan, .infinity])
    func aTemperatureThatIsNotPositiveAndFiniteIsRefused(_ temperature: Float) throws {
        let logits = try Tensor(shape: [1, 3], scalars: [1, 2, 3])
        let error = #expect(throws: SepCNNError.self) {
            try Loss.distillation(studentLogits: logits, teacherLogits: logits, labels: [0], temperature: temperature, alpha: 0.5)
        }
        #expect(error?.message.contains("temperature must be positive and finite") == true)
        #expect(throws: SepCNNError.self) { try Loss.softmax(logits: logits, temperature: temperature) }
    }

    @Test(arguments: [Float(-0.1), 1.5, .nan])
    func anAlphaOutsideZeroToOneIsRefused(_ alpha: Float) throws {
        let logits = try Tensor(shape: [1, 3], scalars: [1, 2, 3])
        let error = #expect(throws: SepCNNError.self) {
            try Loss.distillation(studentLogits: logits, teacherLogits: logits, labels: [0], temperature: 4, alpha: alpha)
        }
        #expect(error?.message.contains("alpha must lie in [0, 1]") == true)
    }

    @Test func teacherLogitsOfAnotherShapeAreRefused() throws {
        let student = try Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let teacher = try Tensor(shape: [2, 4], scalars: [1, 2, 3, 4, 5, 6, 7, 8])
        let error = #expect(throws: SepCNNError.self) {
            try Loss.distillation(studentLogits: student, teacherLogits: teacher, labels: [0, 1], temperature: 4, alpha: 0.5)
        }
        #expect(error?.message.contains("teacher [2, 4] and student [2, 3]") == true)
    }
}

import Testing
@testable import SepCNN

/// Training's reductions split a large batch over the pool; each thread count gives the same result
/// run after run, and every one agrees with the plain reference.
@Suite struct ThreadedTrainingKernelTests {
    @Test(arguments: [(5000, 37), (300, 400), (3, 5)])
    func batchNormSumsAgreeOnEveryThreadCount(_ rows: Int, _ channels: Int) throws {
        var generator = RandomGenerator(seed: 7)
        let x = try Tensor.normal([rows, channels], using: &generator).scalars.map { $0 * 3 + 1 }
        let dy = try Tensor.normal([rows, channels], using: &generator).scalars
        var referenceMean = [Float](repeating: 0, count: channels), referenceVariance = referenceMean
        batchStatisticsReference(x, rows: rows, channels: channels, mean: &referenceMean, variance: &referenceVariance)
        for threads in [1, 2, 3] {
            let pool = ThreadPool(threads: threads)
            var runs: [[Float]] = []
            for _ in 0..<2 {
                var mean = [Float](repeating: 0, count: channels), variance = mean, sumGrad = mean, sumCentered = mean
                var scratch = [Double](repeating: .nan, count: 2 * channels)
                batchStatistics(x, rows: rows, channels: channels, mean: &mean, variance: &variance, scratch: &scratch, pool: pool)
                batchNormBackwardSums(input: x, gradOutput: dy, rows: rows, channels: channels, mean: mean,
                                      sumGrad: &sumGrad, sumGradCentered: &sumCentered, scratch: &scratch, pool: pool)
                for c in 0..<channels {
                    #expect(abs(mean[c] - referenceMean[c]) <= 1e-5 * max(1, abs(referenceMean[c])), "\(threads) threads, channel \(c)")
                    #expect(abs(variance[c] - referenceVariance[c]) <= 1e-5 * referenceVariance[c], "\(threads) threads, channel \(c)")
                    var g = 0.0, gc = 0.0
                    for r in 0..<rows {
                        g += Double(dy[r * channels + c])
                        gc += Double(dy[r * channels + c]) * Double(x[r * channels + c] - mean[c])
                    }
                    #expect(abs(Double(sumGrad[c]) - g) <= 1e-4 * max(1, abs(g)))
                    #expect(abs(Double(sumCentered[c]) - gc) <= 1e-4 * max(1, abs(gc)))
                }
                runs.append(mean + variance + sumGrad + sumCentered)
            }
            #expect(runs[0] == runs[1], "\(threads) threads: two runs differ")
        }
    }
}

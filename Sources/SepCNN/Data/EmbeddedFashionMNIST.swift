import Foundation

extension Dataset {
    /// The Fashion-MNIST subset that ships inside SepCNN (MIT licence, see
    /// `Resources/fashion-mnist/LICENSE`): 8,000 images of the official training split and 2,000 of
    /// the official test split, 800 and 200 per class, 28×28 grey, `[N, 28, 28, 1]` in 0...1.
    ///
    /// The folder holds the publisher's four files, so it loads like the real dataset
    /// (`Dataset.load(.fashionMNIST, split:from:)`), and the test images are never among the
    /// training ones: validate on a split of `train` (`validationSplit(_:seed:)`), keep `test` for
    /// the final score. `Scripts/make_embedded_fashion_mnist.py` made the subset.
    ///
    /// The full 60,000-image training set is not embedded. On Debian and Ubuntu,
    /// `apt install dataset-fashion-mnist` puts all four files in `/usr/share/datasets/fashion-mnist`;
    /// load them with `Dataset.load(.fashionMNIST, split: .train, from: URL(fileURLWithPath: "/usr/share/datasets/fashion-mnist"))`.
    public static func embeddedFashionMNIST() throws -> (train: Dataset, test: Dataset) {
        let directory = try embeddedFashionMNISTDirectory()
        return (try load(.fashionMNIST, split: .train, from: directory), try load(.fashionMNIST, split: .test, from: directory))
    }

    /// Where the embedded files are. SwiftPM copies them into a resource bundle beside the built
    /// products (`SepCNN_SepCNN.resources` on Linux, `SepCNN_SepCNN.bundle` on Apple platforms).
    /// This looks for it by hand rather than through `Bundle.module`, whose generated accessor
    /// stops the process when a deployed binary was moved without its bundle; here that is a
    /// thrown error instead. The source tree is the last resort, for builds that run in place.
    public static func embeddedFashionMNISTDirectory() throws -> URL {
        var candidates: [URL] = []
        for base in [Bundle.main.bundleURL, Bundle.main.resourceURL, Bundle.main.executableURL?.deletingLastPathComponent()] {
            guard let base else { continue }
            candidates.append(base.appendingPathComponent("SepCNN_SepCNN.resources/fashion-mnist"))
            candidates.append(base.appendingPathComponent("SepCNN_SepCNN.bundle/fashion-mnist"))
            candidates.append(base.appendingPathComponent("SepCNN_SepCNN.bundle/Contents/Resources/fashion-mnist"))
        }
        candidates.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Resources/fashion-mnist"))
        for candidate in candidates
        where FileManager.default.fileExists(atPath: candidate.appendingPathComponent("train-labels-idx1-ubyte.gz").path) {
            return candidate
        }
        throw SepCNNError.invalidFile(
            "the embedded Fashion-MNIST files were not found; looked in: \(candidates.map(\.path).joined(separator: ", "))")
    }
}

/// Fisher–Yates with SepCNN's generator, written out so the order depends only on the seed and
/// not on the standard library's shuffling algorithm. Index draws use the multiply-high
/// reduction; its bias (below n/2⁶⁴) is immaterial for dataset sizes.
func shuffle(_ values: inout [Int], using generator: inout RandomGenerator) {
    guard values.count > 1 else { return }
    for i in stride(from: values.count - 1, to: 0, by: -1) {
        let j = Int(generator.next().multipliedFullWidth(by: UInt64(i + 1)).high)
        values.swapAt(i, j)
    }
}

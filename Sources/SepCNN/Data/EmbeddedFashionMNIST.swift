import Foundation

extension Dataset {
    /// The Fashion-MNIST test set that ships inside SepCNN (10,000 28×28 grey images, 1,000 per
    /// class; MIT licence, see `Resources/fashion-mnist/LICENSE`), split into 8,000 training and
    /// 2,000 validation images.
    ///
    /// The split is stratified and fixed: of each class's 1,000 images, 200 chosen with a fixed
    /// seed go to validation and the other 800 to training; both keep the file's order. Images are
    /// `[N, 28, 28, 1]` in 0...1.
    ///
    /// The full 60,000-image training set is not embedded. On Debian and Ubuntu,
    /// `apt install dataset-fashion-mnist` puts all four files in `/usr/share/datasets/fashion-mnist`;
    /// load them with `Dataset.load(.fashionMNIST, split: .train, from: URL(fileURLWithPath: "/usr/share/datasets/fashion-mnist"))`.
    public static func embeddedFashionMNIST() throws -> (train: Dataset, validation: Dataset) {
        let all = try mnistStyle(try embeddedFashionMNISTDirectory(), split: .test, classNames: fashionMNISTClassNames)
        var generator = RandomGenerator(seed: 0xFA5_410)
        var validation: [Int] = []
        for label in 0..<all.classNames.count {
            var members = all.labels.indices.filter { all.labels[$0] == label }
            shuffle(&members, using: &generator)
            validation += members.prefix(members.count / 5)
        }
        let validationSet = Set(validation)
        let train = all.labels.indices.filter { !validationSet.contains($0) }
        return (try all.subset(train), try all.subset(validation.sorted()))
    }

    /// Where the embedded files are. SwiftPM copies them into a resource bundle beside the built
    /// products (`SepCNN_SepCNN.resources` on Linux, `SepCNN_SepCNN.bundle` on Apple platforms).
    /// This looks for it by hand rather than through `Bundle.module`, whose generated accessor
    /// stops the process when a deployed binary was moved without its bundle; here that is a
    /// thrown error instead. The source tree is the last resort, for builds that run in place.
    static func embeddedFashionMNISTDirectory() throws -> URL {
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
        where FileManager.default.fileExists(atPath: candidate.appendingPathComponent("t10k-labels-idx1-ubyte.gz").path) {
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

/// One mini-batch: NHWC images, their labels, and which dataset images they are.
public struct Batch: Sendable {
    public var images: Tensor
    public var labels: [Int]
    /// Dataset indices of the images, in batch order.
    public var indices: [Int]
}

/// Cuts a dataset into mini-batches, reshuffled each epoch and optionally augmented.
///
/// Everything random is a pure function of `(seed, epoch)` — the order of an epoch — and
/// `(seed, epoch, batch index)` — that batch's augmentation — so `batch(i, epoch: e)` is the
/// same whenever it is asked for, and training resumed mid-epoch sees exactly the batches the
/// uninterrupted run would have. The last batch keeps the remainder when `batchSize` does not
/// divide the dataset.
public struct BatchLoader: Sendable {
    public let dataset: Dataset
    public let batchSize: Int
    public let shuffle: Bool
    public let seed: UInt64
    public let augmentation: Augmentation

    public init(dataset: Dataset, batchSize: Int, shuffle: Bool = true, seed: UInt64 = 0, augmentation: Augmentation = .none) throws {
        guard batchSize > 0 else { throw SepCNNError.invalidArgument("batch size must be positive, got \(batchSize)") }
        let height = dataset.imageShape[0], width = dataset.imageShape[1]
        guard augmentation.cropPadding >= 0, augmentation.cropPadding <= max(height, width) else {
            throw SepCNNError.invalidArgument("crop padding must lie in 0...\(max(height, width)), got \(augmentation.cropPadding)")
        }
        self.dataset = dataset
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.seed = seed
        self.augmentation = augmentation
    }

    /// Batches per epoch, the partial last one included.
    public var batchCount: Int { (dataset.count + batchSize - 1) / batchSize }

    /// The order in which epoch `epoch` visits the dataset.
    public func order(epoch: Int) -> [Int] {
        var indices = Array(0..<dataset.count)
        guard shuffle else { return indices }
        var generator = RandomGenerator(seed: mixSeed(seed, UInt64(truncatingIfNeeded: epoch), 0x5EED))
        SepCNN.shuffle(&indices, using: &generator)
        return indices
    }

    /// Batch `index` (0..<batchCount) of epoch `epoch`.
    public func batch(_ index: Int, epoch: Int) throws -> Batch {
        guard index >= 0, index < batchCount else {
            throw SepCNNError.invalidArgument("batch \(index) is outside 0..<\(batchCount)")
        }
        return assemble(Array(order(epoch: epoch)[(index * batchSize)..<min(dataset.count, (index + 1) * batchSize)]),
                        epoch: epoch, index: index)
    }

    /// The batches of epoch `epoch` from batch `start` on, each assembled when it is reached
    /// (the epoch's order is computed once).
    public func batches(epoch: Int, startingAt start: Int = 0) -> LazyMapSequence<Range<Int>, Batch> {
        let order = order(epoch: epoch)
        return (min(max(start, 0), batchCount)..<batchCount).lazy.map { index in
            assemble(Array(order[(index * batchSize)..<min(dataset.count, (index + 1) * batchSize)]), epoch: epoch, index: index)
        }
    }

    private func assemble(_ indices: [Int], epoch: Int, index: Int) -> Batch {
        let shape = dataset.imageShape, size = shape.reduce(1, *)
        var images = Tensor(uncheckedShape: [indices.count] + shape)
        var generator = RandomGenerator(seed: mixSeed(seed, UInt64(truncatingIfNeeded: epoch), UInt64(truncatingIfNeeded: index) &+ 0xA06))
        let augmentation = augmentation
        dataset.images.withPointer { source in
            images.withMutablePointer { destination in
                for (row, image) in indices.enumerated() {
                    let from = source + image &* size, to = destination + row &* size
                    if augmentation.isIdentity {
                        to.update(from: from, count: size)
                    } else {
                        augmentation.apply(from, to, height: shape[0], width: shape[1], channels: shape[2], generator: &generator)
                    }
                }
            }
        }
        return Batch(images: images, labels: indices.map { dataset.labels[$0] }, indices: indices)
    }
}

/// A seed for the generator of one (seed, epoch, purpose) triple; the generator's SplitMix
/// seeding spreads nearby values apart.
func mixSeed(_ seed: UInt64, _ a: UInt64, _ b: UInt64) -> UInt64 {
    seed &* 0x9E37_79B9_7F4A_7C15 ^ a &* 0xBF58_476D_1CE4_E5B9 ^ b &* 0x94D0_49BB_1331_11EB
}

import Testing
@testable import SepCNN

@Suite struct BatchLoaderTests {
    /// 10 images of 3×4×2 whose every value encodes (image, y, x, c).
    static func dataset(count: Int = 10) throws -> Dataset {
        var scalars: [Float] = []
        for n in 0..<count { for y in 0..<3 { for x in 0..<4 { for c in 0..<2 { scalars.append(Float(1000 * (n + 1) + 100 * y + 10 * x + c)) } } } }
        return try Dataset(images: try Tensor(shape: [count, 3, 4, 2], scalars: scalars), labels: (0..<count).map { $0 % 3 },
                           classNames: ["a", "b", "c"])
    }

    @Test func batchesCoverTheEpochOnceAndKeepThePartialLastBatch() throws {
        let loader = try BatchLoader(dataset: try Self.dataset(), batchSize: 4, seed: 7)
        let batches = Array(loader.batches(epoch: 0))
        #expect(loader.batchCount == 3 && batches.map(\.labels.count) == [4, 4, 2])
        #expect(batches.flatMap(\.indices).sorted() == Array(0..<10))
        for batch in batches {
            #expect(batch.labels == batch.indices.map { $0 % 3 })
            for (row, index) in batch.indices.enumerated() { #expect(batch.images[row, 2, 1, 1] == Float(1000 * (index + 1) + 211)) }
        }
    }

    @Test func orderDependsOnlyOnSeedAndEpoch() throws {
        let data = try Self.dataset(count: 50)
        let a = try BatchLoader(dataset: data, batchSize: 8, seed: 1), b = try BatchLoader(dataset: data, batchSize: 8, seed: 1)
        #expect(a.order(epoch: 3) == b.order(epoch: 3))
        #expect(a.order(epoch: 3) != a.order(epoch: 4))
        #expect(a.order(epoch: 3) != (try BatchLoader(dataset: data, batchSize: 8, seed: 2)).order(epoch: 3))
        #expect((try BatchLoader(dataset: data, batchSize: 8, shuffle: false)).order(epoch: 5) == Array(0..<50))
    }

    /// Resuming at batch 2 of epoch 1 gives the same batches, augmentation included.
    @Test func resumingMidEpochReproducesTheBatches() throws {
        let loader = try BatchLoader(dataset: try Self.dataset(), batchSize: 3, seed: 9,
                                     augmentation: Augmentation(cropPadding: 1, horizontalFlip: true))
        let full = Array(loader.batches(epoch: 1)), resumed = Array(loader.batches(epoch: 1, startingAt: 2))
        #expect(resumed.map(\.images) == full.dropFirst(2).map(\.images))
        #expect(try loader.batch(3, epoch: 1).images == full[3].images)
        #expect(throws: SepCNNError.self) { try loader.batch(4, epoch: 1) }
    }

    /// Every augmented image is its source shifted by at most the padding (zeros shifted in),
    /// possibly mirrored; over a few epochs both flips and several offsets occur.
    @Test func cropAndFlipMoveWholePixels() throws {
        let data = try Self.dataset()
        let loader = try BatchLoader(dataset: data, batchSize: 10, seed: 3, augmentation: Augmentation(cropPadding: 1, horizontalFlip: true))
        var seen = Set<[Int]>()
        for epoch in 0..<6 {
            let batch = try loader.batch(0, epoch: epoch)
            for (row, index) in batch.indices.enumerated() {
                var match: [Int]?
                for dy in -1...1 { for dx in -1...1 { for flip in [0, 1] {
                    var same = true
                    for y in 0..<3 { for x in 0..<4 { for c in 0..<2 {
                        let cx = flip == 1 ? 3 - x : x, sy = y + dy, sx = cx + dx
                        let expected = sy >= 0 && sy < 3 && sx >= 0 && sx < 4 ? data.images[index, sy, sx, c] : 0
                        if batch.images[row, y, x, c] != expected { same = false }
                    } } }
                    if same && match == nil { match = [dy, dx, flip] }
                } } }
                #expect(match != nil, "image \(index) in epoch \(epoch) is not a shifted or mirrored copy")
                if let match { seen.insert(match) }
            }
        }
        #expect(seen.contains { $0[2] == 1 } && seen.contains { $0[2] == 0 } && seen.count > 6)
    }

    @Test func invalidSettingsThrow() throws {
        let data = try Self.dataset()
        #expect(throws: SepCNNError.self) { try BatchLoader(dataset: data, batchSize: 0) }
        #expect(throws: SepCNNError.self) { try BatchLoader(dataset: data, batchSize: 2, augmentation: Augmentation(cropPadding: -1)) }
    }
}

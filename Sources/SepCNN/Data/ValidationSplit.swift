extension Dataset {
    /// Holds out `fraction` of the images for validation, as Keras's `validation_split`, but
    /// stratified and seeded rather than the last images: of each class, `fraction` of its images
    /// (rounded, at least one when the class has two or more) chosen by `seed` go to validation.
    /// Both parts keep the dataset's order, so the split depends only on the data and the seed.
    public func validationSplit(_ fraction: Double, seed: UInt64) throws -> (train: Dataset, validation: Dataset) {
        guard fraction > 0, fraction < 1 else {
            throw SepCNNError.invalidArgument("the validation split must lie strictly between 0 and 1, got \(fraction)")
        }
        var generator = RandomGenerator(seed: mixSeed(seed, 0x5_911_7, 0))
        var members = [[Int]](repeating: [], count: classNames.count)
        for (index, label) in labels.enumerated() { members[label].append(index) }
        var held: [Int] = []
        for var indices in members where indices.count > 1 {
            shuffle(&indices, using: &generator)
            let count = min(indices.count - 1, max(1, Int((Double(indices.count) * fraction).rounded())))
            held += indices.prefix(count)
        }
        guard !held.isEmpty else {
            throw SepCNNError.invalidArgument("a validation split needs a class with at least two images; this set has \(count) image(s)")
        }
        let heldSet = Set(held)
        return (try subset(labels.indices.filter { !heldSet.contains($0) }), try subset(held.sorted()))
    }
}

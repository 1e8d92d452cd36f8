/// Names made unique with a numeric suffix — `base`, then `base_2`, `base_3`, … — for the nodes of
/// an imported graph (its parameter paths) and the values of an exported one.
struct UniqueNames {
    private var used: Set<String>

    init(reserving names: [String] = []) {
        used = Set(names)
    }

    mutating func claim(_ base: String) -> String {
        var name = base
        var counter = 1
        while used.contains(name) {
            counter += 1
            name = "\(base)_\(counter)"
        }
        used.insert(name)
        return name
    }
}

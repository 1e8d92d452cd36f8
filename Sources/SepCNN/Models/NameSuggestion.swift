/// "Did you mean" for names typed by hand: built-in models here, commands in the `sepcnn` tool.

/// The candidate closest to `name` by edit distance, ignoring case, if it is close enough to be a
/// plausible typo: at most a third of the name's length in edits (and at least 2 allowed), ties to
/// the earlier candidate. Nil for an exact match, which needs no suggestion, and for no candidate.
public func suggestedName(for name: String, among candidates: [String]) -> String? {
    let typed = Array(name.lowercased())
    let allowed = max(2, typed.count / 3)
    var best: (candidate: String, distance: Int)?
    for candidate in candidates {
        let distance = editDistance(typed, Array(candidate.lowercased()))
        if distance == 0 { return nil }
        if distance <= allowed, distance < (best?.distance ?? .max) { best = (candidate, distance) }
    }
    return best?.candidate
}

/// ` (did you mean 'mobilenet-v2'?)`, or nothing: what follows the name in an "unknown ..." message.
public func didYouMean(_ name: String, among candidates: [String]) -> String {
    suggestedName(for: name, among: candidates).map { " (did you mean '\($0)'?)" } ?? ""
}

/// Levenshtein distance (insertions, deletions and substitutions each cost 1), one row at a time.
func editDistance(_ a: [Character], _ b: [Character]) -> Int {
    guard !a.isEmpty else { return b.count }
    guard !b.isEmpty else { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}

/// The network as pruning sees it: every tensor a value with channels, every leaf layer an
/// operation between values, and a union-find over single channels that joins the channels which
/// must be removed together (Torch-Pruning's DepGraph, built per channel).
///
/// A value's channels are found in its flat per-image element order: element i belongs to channel
/// `(i / stride) % channels`. For an NHWC image or a `[batch, features]` vector the stride is 1;
/// after a permute to NCHW it is H·W, and a reshape (which keeps the element order) keeps it, so a
/// flatten into a dense layer knows which features each channel owns.
struct ChannelGraph {
    struct Value {
        /// With batch 1.
        var shape: [Int]
        var channels: Int
        var stride: Int
        /// Where this value's channels start in the per-channel index space.
        var firstElement: Int
    }

    /// One leaf layer: where it sits, what it reads and writes.
    struct Operation {
        var path: String
        var layer: any Layer
        var inputs: [Int]
        var output: Int
    }

    private(set) var values: [Value] = []
    private(set) var operations: [Operation] = []
    private var parent: [Int] = []
    private var blocked: [Bool] = []
    /// Why values were blocked, for error messages (first reason per value).
    private(set) var blockReasons: [Int: String] = [:]

    var elementCount: Int { parent.count }

    /// A value of `shape` whose channels are found with `stride` (default: the last axis).
    mutating func addValue(shape: [Int], channels: Int? = nil, stride: Int = 1) -> Int {
        let channels = channels ?? (shape.last ?? 1)
        values.append(Value(shape: shape, channels: channels, stride: stride, firstElement: parent.count))
        parent.append(contentsOf: parent.count ..< parent.count + channels)
        blocked.append(contentsOf: repeatElement(false, count: channels))
        return values.count - 1
    }

    /// A value with the same channel layout as `value` (an elementwise operation's output).
    mutating func addValue(like value: Int, shape: [Int]? = nil) -> Int {
        let v = values[value]
        return addValue(shape: shape ?? v.shape, channels: v.channels, stride: v.stride)
    }

    mutating func record(_ path: String, _ layer: any Layer, inputs: [Int], output: Int) {
        operations.append(Operation(path: path, layer: layer, inputs: inputs, output: output))
    }

    func element(_ value: Int, _ channel: Int) -> Int { values[value].firstElement + channel }

    /// Channels that must be removed together.
    mutating func join(_ a: Int, channel ca: Int, _ b: Int, channel cb: Int) {
        let ra = root(element(a, ca)), rb = root(element(b, cb))
        if ra != rb { parent[max(ra, rb)] = min(ra, rb) }
    }

    /// Joins channel c of `a` with channel c of `b` for every c; blocks both if the counts differ.
    mutating func joinChannels(_ a: Int, _ b: Int) {
        guard values[a].channels == values[b].channels else {
            block(a, "its channels cannot be matched with another value's")
            block(b, "its channels cannot be matched with another value's")
            return
        }
        for c in 0..<values[a].channels { join(a, channel: c, b, channel: c) }
    }

    /// Marks every channel of `value` as never removable (the network's input and output, values
    /// an unknown layer touches).
    mutating func block(_ value: Int, _ reason: String) {
        for c in 0..<values[value].channels { blocked[element(value, c)] = true }
        if blockReasons[value] == nil { blockReasons[value] = reason }
    }

    mutating func root(_ element: Int) -> Int {
        var e = element
        while parent[e] != e {
            parent[e] = parent[parent[e]]
            e = parent[e]
        }
        return e
    }

    /// The axis of `value`'s shape that holds its channels, if one does (its extent is the channel
    /// count and the axes after it multiply to the stride).
    func channelAxis(of value: Int) -> Int? {
        let v = values[value]
        var after = 1
        for axis in v.shape.indices.reversed() {
            if v.shape[axis] == v.channels && after == v.stride && axis > 0 { return axis }
            after *= v.shape[axis]
            if after > v.stride { break }
        }
        return nil
    }

    /// Whether `value` is an image or vector with its channels on the last axis.
    func isChannelsLast(_ value: Int) -> Bool {
        values[value].stride == 1 && values[value].shape.last == values[value].channels && values[value].shape.count >= 2
    }

    /// Each channel class (a root of the union-find) with its elements and whether any is blocked.
    mutating func classes() -> [(root: Int, elements: [Int], blocked: Bool)] {
        var members: [Int: [Int]] = [:]
        var isBlocked: [Int: Bool] = [:]
        for e in 0..<parent.count {
            let r = root(e)
            members[r, default: []].append(e)
            if blocked[e] { isBlocked[r] = true }
        }
        return members.keys.sorted().map { ($0, members[$0]!, isBlocked[$0] ?? false) }
    }

    /// The value an element belongs to, and its channel there.
    func location(of element: Int) -> (value: Int, channel: Int) {
        var low = 0, high = values.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if values[middle].firstElement <= element { low = middle } else { high = middle - 1 }
        }
        return (low, element - values[low].firstElement)
    }
}

import Foundation
@testable import SepCNN

/// Reference cases computed with PyTorch by `Scripts/make_fixtures.py` and committed under
/// `Tests/SepCNNTests/Fixtures/`; tensors are already in SepCNN's layouts (NHWC, Keras weight order).
struct FixtureCase: Decodable, CustomStringConvertible {
    let name: String
    let op: String
    let attrs: [String: AttributeValue]
    let tensors: [String: FixtureTensor]

    var description: String { name }

    func tensor(_ key: String) throws -> Tensor {
        guard let t = tensors[key] else { throw FixtureError("case \(name) has no tensor '\(key)'") }
        return try Tensor(shape: t.shape, scalars: t.data)
    }

    func int(_ key: String) -> Int { attrs[key]!.int! }
    func bool(_ key: String) -> Bool { attrs[key]!.bool! }
    func float(_ key: String) -> Float { Float(attrs[key]!.number!) }
    func string(_ key: String) -> String { attrs[key]!.string! }

    /// A `[h, w]` list attribute.
    func size(_ key: String) -> Size2D {
        let values = attrs[key]!.numbers!
        return Size2D(Int(values[0]), Int(values[1]))
    }

    /// "same", "valid" or [top, bottom, left, right].
    var padding: Padding {
        switch attrs["padding"]! {
        case .string("same"): return .same
        case .string("valid"): return .valid
        case let .list(values):
            let p = values.map(Int.init)
            return .explicit(top: p[0], bottom: p[1], left: p[2], right: p[3])
        default: fatalError("case \(name): unreadable padding")
        }
    }
}

struct FixtureTensor: Decodable {
    let shape: [Int]
    let data: [Float]
}

enum AttributeValue: Decodable {
    case bool(Bool), number(Double), string(String), list([Double])

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else { self = .list(try container.decode([Double].self)) }
    }

    var bool: Bool? { if case let .bool(v) = self { return v } else { return nil } }
    var number: Double? { if case let .number(v) = self { return v } else { return nil } }
    var int: Int? { number.map { Int($0) } }
    var string: String? { if case let .string(v) = self { return v } else { return nil } }
    var numbers: [Double]? { if case let .list(v) = self { return v } else { return nil } }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func load(_ file: String) throws -> [FixtureCase] {
        struct File: Decodable { let cases: [FixtureCase] }
        let data = try Data(contentsOf: directory.appendingPathComponent(file))
        return try JSONDecoder().decode(File.self, from: data).cases
    }

    /// The cases of layers.json, loaded once.
    static let layerCases: [FixtureCase] = (try? load("layers.json")) ?? []

    static func cases(_ op: String) -> [FixtureCase] { layerCases.filter { $0.op == op } }
}

/// torch.testing-style closeness: |actual − expected| ≤ atol + rtol · |expected| for every element.
func isClose(_ actual: Tensor, _ expected: Tensor, rtol: Float = 1e-5, atol: Float = 1e-5) -> Bool {
    guard actual.shape == expected.shape else { return false }
    for i in 0..<actual.count where !(abs(actual.scalars[i] - expected.scalars[i]) <= atol + rtol * abs(expected.scalars[i])) {
        return false
    }
    return true
}

/// How the elements of a value in a plan's arena are stored. Steps read and write values through
/// pointers of this type; an int8 value holds q standing for scale · (q − zeroPoint), so int8 steps
/// can sit beside float ones with quantize and dequantize steps only where the two meet.
enum ArenaElementType: Hashable, Sendable {
    case float32
    case int8(scale: Float, zeroPoint: Int8)

    /// The int8 grid of an int8 value; nil for float32.
    var quantization: QuantizationParameters? {
        guard case .int8(let scale, let zeroPoint) = self else { return nil }
        return try? QuantizationParameters(scale: scale, zeroPoint: zeroPoint)
    }

    init(_ quantization: QuantizationParameters) {
        self = .int8(scale: quantization.scale, zeroPoint: quantization.zeroPoint)
    }

    var byteSize: Int {
        switch self {
        case .float32: return 4
        case .int8: return 1
        }
    }
}

/// One value a plan computes: its shape and element type, hence its size in the arena.
struct PlanValue: Hashable, Sendable {
    let shape: [Int]
    let elementType: ArenaElementType

    init(_ shape: [Int], _ elementType: ArenaElementType = .float32) {
        self.shape = shape
        self.elementType = elementType
    }

    var elementCount: Int { shape.reduce(1, *) }
    var byteCount: Int { elementCount * elementType.byteSize }
}

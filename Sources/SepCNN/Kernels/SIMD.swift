import CPUFeatures

// Vector primitives every fast kernel shares. SIMD16<Float> is one zmm register in an AVX-512
// build (-Xcc -march=native) and four xmm registers in a baseline build; the code is the same.

@inline(__always) @usableFromInline
func load16(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
}

@inline(__always) @usableFromInline
func store16(_ p: UnsafeMutablePointer<Float>, _ v: SIMD16<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
}

/// acc += a · b. One vfmadd when the build targets FMA; otherwise multiply and add, because
/// `addProduct` without an FMA target becomes 16 calls to `fmaf` (about 50× slower).
@inline(__always) @usableFromInline
func fmadd(_ acc: inout SIMD16<Float>, _ a: SIMD16<Float>, _ b: SIMD16<Float>) {
    if SEPCNN_HAS_FMA != 0 { acc.addProduct(a, b) } else { acc += a * b }
}

/// Loads the first `count` (< 16) lanes; the rest are zero.
@inline(__always) @usableFromInline
func loadPartial16(_ p: UnsafePointer<Float>, _ count: Int) -> SIMD16<Float> {
    var v = SIMD16<Float>()
    for i in 0..<count { v[i] = p[i] }
    return v
}

/// Stores the first `count` (< 16) lanes.
@inline(__always) @usableFromInline
func storePartial16(_ p: UnsafeMutablePointer<Float>, _ v: SIMD16<Float>, _ count: Int) {
    for i in 0..<count { p[i] = v[i] }
}

extension Activation {
    /// Whether fast kernels apply this activation in their store epilogue (`apply(_:)` below).
    /// Others (sigmoid, SiLU, hard sigmoid) are applied by the caller in a separate pass.
    @inlinable
    var isFusable: Bool {
        switch self {
        case .linear, .relu, .relu6, .hardSwish: return true
        default: return false
        }
    }

    /// The activation on 16 lanes; only for fusable activations (others pass through).
    @inline(__always) @usableFromInline
    func apply(_ v: SIMD16<Float>) -> SIMD16<Float> {
        switch self {
        case .relu:
            return pointwiseMax(v, SIMD16(repeating: 0))
        case .relu6:
            return pointwiseMin(pointwiseMax(v, SIMD16(repeating: 0)), SIMD16(repeating: 6))
        case .hardSwish:
            let gate = pointwiseMin(pointwiseMax(v + 3, SIMD16(repeating: 0)), SIMD16(repeating: 6))
            return v * (gate * (1 / 6 as Float))
        default:
            return v
        }
    }
}

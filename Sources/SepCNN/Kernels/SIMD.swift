import CPUFeatures
#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

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
///
/// With AVX-512 it is the intrinsic: Swift's SIMD arithmetic reaches the optimiser as 16 scalar
/// operations per vector that LLVM vectorises again at the end, and with the few thousand FMAs of
/// the depthwise row kernels that took the release build of this module from about 30 s to about
/// 5 minutes; the intrinsic is one operation throughout. The all-lanes `maskz` form is the same
/// vfmadd. The AVX-512 forms here are chosen by `#if canImport(CPUFeatures.AVX512F)`, not by a
/// branch on the constant, which left code after it that one build or the other warned "will never
/// be executed".
@inline(__always) @usableFromInline
func fmadd(_ acc: inout SIMD16<Float>, _ a: SIMD16<Float>, _ b: SIMD16<Float>) {
    #if canImport(CPUFeatures.AVX512F)
    acc = _mm512_maskz_fmadd_ps(__mmask16(truncatingIfNeeded: -1), a, b, acc)
    #else
    if buildTargetsFMA() { acc.addProduct(a, b) } else { acc += a * b }
    #endif
}

/// Whether the build targets FMA. A call rather than the imported constant itself, which made
/// every build without FMA warn "will never be executed"; it inlines and folds away the same.
@inline(__always) @usableFromInline
func buildTargetsFMA() -> Bool { SEPCNN_HAS_FMA != 0 }

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

    /// Flop-equivalents per element of a pass applying this activation, or its derivative, on its
    /// own (for `forEachPart`): streaming the values, and as much again for the exponential of
    /// sigmoid and SiLU.
    var passCostPerElement: Int {
        self == .sigmoid || self == .silu ? 2 &* streamingCostPerElement : streamingCostPerElement
    }

    /// The activation on 16 lanes; only for fusable activations (others pass through).
    @inline(__always) @usableFromInline
    func apply(_ v: SIMD16<Float>) -> SIMD16<Float> {
        switch self {
        case .relu: return vectorReLU(v)
        case .relu6: return vectorReLU6(v)
        case .hardSwish: return vectorHardSwish(v)
        default: return v
        }
    }
}

// The fusable activations on 16 lanes. Written with intrinsics because the generic
// `pointwiseMax`/`pointwiseMin` are not inlined into large kernels: each call then spills every
// accumulator and costs ~20× a whole GEMM. In an AVX-512 build each is a single instruction.
// (`maskz` with an all-lanes mask compiles to plain vmaxps/vminps; the unmasked intrinsic would make
// Swift warn "will never be executed" in builds without AVX-512.)

@inline(__always) @usableFromInline
func vectorReLU(_ v: SIMD16<Float>) -> SIMD16<Float> {
    let zero = SIMD16<Float>()
    #if canImport(CPUFeatures.AVX512F)
    return _mm512_maskz_max_ps(__mmask16(truncatingIfNeeded: -1), zero, v)  // NaN → v, like max(v, 0)
    #else
    return v.replacing(with: zero, where: v .< zero)
    #endif
}

@inline(__always) @usableFromInline
func vectorReLU6(_ v: SIMD16<Float>) -> SIMD16<Float> {
    let t = vectorReLU(v), six = SIMD16<Float>(repeating: 6)
    #if canImport(CPUFeatures.AVX512F)
    return _mm512_maskz_min_ps(__mmask16(truncatingIfNeeded: -1), six, t)  // NaN → t, like min(t, 6)
    #else
    return t.replacing(with: six, where: six .< t)
    #endif
}

@inline(__always) @usableFromInline
func vectorHardSwish(_ v: SIMD16<Float>) -> SIMD16<Float> {
    v * (vectorReLU6(v + 3) * (1 / 6 as Float))
}

/// exp(t) for t ≤ 0 within a few ulp of `expf` (0 below −87.3, as float32 underflows), written with
/// plain float and integer operations so that loops over it vectorise: t = n·ln 2 + r with
/// |r| ≤ ln 2 / 2 (ln 2 split in two so r is exact), a degree-6 polynomial for e^r, and 2^n built
/// in the exponent bits. Scalar `expf` per element made sigmoid and SiLU layers 20× slower than
/// ReLU; Swift's generic SIMD rounding and conversions were slower still.
@inline(__always) @usableFromInline
func expNonPositive(_ t: Float) -> Float {
    let x = t < -87.3 ? -87.3 : t
    // Adding 1.5 · 2^23 rounds to the nearest integer, which then sits in the low mantissa bits:
    // no call, and no trapping Float → Int conversion to stop the loop from vectorising.
    let shifted = x * 1.442_695_04 + 12_582_912
    let n = shifted - 12_582_912
    let integer = Int32(bitPattern: shifted.bitPattern) &- Int32(bitPattern: (12_582_912 as Float).bitPattern)
    var r = x - n * 0.693_145_75
    r = r - n * 1.428_606_8e-6
    var p: Float = 1.0 / 720
    p = p * r + 1.0 / 120
    p = p * r + 1.0 / 24
    p = p * r + 1.0 / 6
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
    let value = p * Float(bitPattern: UInt32(bitPattern: (integer &+ 127) &<< 23))
    return t < -87.3 ? 0 : value
}

/// 1 / (1 + e^−x), from e^−|x| so it never overflows.
@inline(__always) @usableFromInline
func fastSigmoid(_ x: Float) -> Float {
    let e = expNonPositive(x > 0 ? -x : x)
    let positive = 1 / (1 + e)
    return x < 0 ? e * positive : positive
}

// Every use of Swift's Builtin module in SepCNN, as @_transparent wrappers over the AVX-512 VNNI/VBMI
// instructions plain Swift never reaches (measured in ../shared/docs/int8-in-swift.md: an int8 GEMM at
// 0.87× fp32 in plain Swift, 4× with vpdpbusd). Compiled only when the build targets these features
// (`-Xcc -march=native` here): without them LLVM fails in instruction selection, and the kernels take
// their plain-Swift paths. The Builtin module and `_storage._value` are compiler internals a Swift
// release may change: keep them in this file only.
//
// Wrappers must stay @_transparent: a SIMD16 argument of a call that is not inlined travels as four
// xmm registers.

#if canImport(CPUFeatures.VNNI512)
import CPUFeatures.VNNI512
import Builtin

/// True in builds where the wrappers below exist.
let qs8HasVNNI = true

/// acc + Σ of the four u8×s8 products in each 32-bit lane: `vpdpbusd`. `u8` holds 64 unsigned bytes,
/// `s8` 64 signed bytes; products and sums wrap in int32 and never saturate.
@_transparent
func vnniDotAccumulate(_ acc: SIMD16<Int32>, _ u8: SIMD16<Int32>, _ s8: SIMD16<Int32>) -> SIMD16<Int32> {
    var r = SIMD16<Int32>()
    r._storage._value = Builtin.int_x86_avx512_vpdpbusd_512(acc._storage._value, u8._storage._value, s8._storage._value)
    return r
}

/// result byte i = table byte (index byte i & 63): `vpermb`, any byte of a 64-byte register to any lane.
@_transparent
func vnniPermuteBytes(_ table: SIMD64<UInt8>, _ index: SIMD64<UInt8>) -> SIMD64<UInt8> {
    var r = SIMD64<UInt8>()
    r._storage._value = Builtin.int_x86_avx512_permvar_qi_512(table._storage._value, index._storage._value)
    return r
}
#else
let qs8HasVNNI = false
#endif

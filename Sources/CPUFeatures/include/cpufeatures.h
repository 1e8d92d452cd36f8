// Compile-time CPU features, as constants Swift can branch on.
// Swift has no per-function target attributes, so the instruction set is fixed by the build's
// command line (-Xcc -march=native); kernels test these constants and the untaken branch folds away.
#pragma once

#if defined(__FMA__)
#define SEPCNN_HAS_FMA 1
#else
#define SEPCNN_HAS_FMA 0
#endif

#if defined(__AVX2__)
#define SEPCNN_HAS_AVX2 1
#else
#define SEPCNN_HAS_AVX2 0
#endif

#if defined(__AVX512F__)
#define SEPCNN_HAS_AVX512F 1
#else
#define SEPCNN_HAS_AVX512F 0
#endif

#if defined(__AVX512VNNI__)
#define SEPCNN_HAS_AVX512VNNI 1
#else
#define SEPCNN_HAS_AVX512VNNI 0
#endif

// Allocator settings for training (a separate concern, kept in its own header).

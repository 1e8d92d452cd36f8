// Intentionally empty: its module, CPUFeatures.AVX512F, only marks that the build targets AVX-512F
// (the module map's `requires`), so Swift can choose a kernel's AVX-512 form with
// `#if canImport(CPUFeatures.AVX512F)`: a branch on the SEPCNN_HAS_AVX512F constant leaves code
// after it that AVX-512 builds warn "will never be executed".
#pragma once

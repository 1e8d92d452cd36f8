// Intentionally empty: its module, CPUFeatures.VNNI512, only marks that the build targets
// AVX-512 VNNI, BW and VBMI (the module map's `requires`). Sources/SepCNN/Kernels/VNNI.swift
// compiles its Builtin wrappers under `#if canImport(CPUFeatures.VNNI512)`.
#pragma once

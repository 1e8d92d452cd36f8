#!/usr/bin/env python3
"""Generates Sources/SepCNN/Kernels/GEMM/GEMMMicrokernels.swift, the unrolled register-blocked
SGEMM microkernels that gemmPacked (GEMMPacked.swift) drives.

Usage:  python3 Scripts/generate_gemm_microkernels.py > Sources/SepCNN/Kernels/GEMM/GEMMMicrokernels.swift

The output is committed; nothing is generated at build time. Docs/gemm-packing.md describes the
panel layout the kernels read.

Kernel `gemmMicrokernel<MR>x<W>` computes an MR-row × W-column block of C over kc steps of K, for a
panel W = 8, 16, ..., 64 columns wide:
  - A is read in place through MR row pointers: one broadcast per row and k;
  - B is one packed panel, streamed front to back;
  - W = 16·v: v SIMD16 accumulators per row, one k per loop step;
  - W = 16·v + 8 (a "half" panel, always the last one): v accumulators plus one whose lanes are
    8 columns × (even k, odd k). The loop steps k in pairs; one FMA of that vector with the
    64-bit broadcast (A[i, k], A[i, k+1]) makes 16 useful products. The epilogue adds the even and
    odd lanes (evenHalf + oddHalf);
  - when a tile has fewer than MIN_CHAINS accumulators (row tails, M = 1), the k-pair loop feeds a
    second accumulator set so that FMA latency does not bound the loop;
  - the epilogue starts from bias (first K block), from C (later K blocks) or from zero; the store
    applies a fusable activation (one copy of the store per activation, so no accumulator stays
    live across a merge point and nothing spills) and masks the last vector to `cols` columns.

MR limits: accumulators + B vectors + broadcasts must fit the 32 zmm registers. The limits below are
the largest MR whose k loop has no spill in the generated assembly (checked with objdump at
`-Xcc -march=native`), e.g. 12×32 spills while 9×32 does not; 7×40 and 5×56 spill too.
"""
import sys

# Largest MR per panel shape, keyed (full vectors v, half h): width = 16·v + 8·h.
MAX_ROWS = {(0, 1): 14, (1, 0): 14, (1, 1): 8, (2, 0): 9, (2, 1): 5, (3, 0): 8, (3, 1): 4, (4, 0): 6}
# Below this many accumulators, use two interleaved accumulator sets (latency hiding).
MIN_CHAINS = 8


def at(base: str, stride: str, r: int, col: int) -> str:
    """Swift for `base` + r·stride + col, parenthesized so pointer + never mixes with &+ / &*."""
    row = "" if r == 0 else (stride if r == 1 else f"{r} &* {stride}")
    if row and col:
        return f"{base} + ({row} &+ {col})"
    if row:
        return f"{base} + {row}" if r == 1 else f"{base} + ({row})"
    return f"{base} + {col}" if col else base


def minus(x: str, n: int) -> str:
    return f"{x} &- {n}" if n else x


def kernel(mr: int, nv: int, half: int) -> str:
    """Kernel for MR rows and a panel of nv full vectors (+ one half vector when half = 1)."""
    width = 16 * nv + 8 * half
    pair_loop = half == 1 or mr * nv < MIN_CHAINS
    # Two accumulator sets for the full vectors when there are too few chains.
    split = mr * (nv + half) < MIN_CHAINS and nv > 0
    L = []
    w = L.append
    w(f"/// C[{mr} × {width}] block; see the file header.")
    w("@inline(never)")
    w(f"func gemmMicrokernel{mr}x{width}(_ kc: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>,")
    w(f"    _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ e: GEMMTileEpilogue) {{")
    w("    let a0 = a")
    for r in range(1, mr):
        w(f"    let a{r} = {at('a', 'lda', r, 0)}")
    accs = [[f"c{r}_{v}" for v in range(nv)] for r in range(mr)]
    hacc = [f"h{r}" for r in range(mr)] if half else []
    allacc = [x for row in accs for x in row] + hacc
    w("    var " + ", ".join(f"{x}: SIMD16<Float>" for x in allacc))
    # Only the last vector (or the half vector) can be partial: cols > width - 16 (or - 8).
    last = nv - 1
    edge_off = 16 * nv if half else 16 * last
    w(f"    let edge = {minus('e.cols', edge_off)}  // valid columns of the last {'half ' if half else ''}vector")

    def load_full(base, r, v):
        return f"load16({at(base, 'ldc', r, 16 * v)})"

    def load_vec(base, r, v, stride='ldc'):
        p = at(base, stride, r, 16 * v)
        return f"gemmLoadColumns({p}, edge)" if (v == last and not half) else f"load16({p})"

    # --- initial values
    w("    if e.accumulate {")
    for r in range(mr):
        for v in range(nv):
            w(f"        {accs[r][v]} = {load_vec('c', r, v)}")
        if half:
            w(f"        {hacc[r]} = gemmInterleaveHalf(gemmLoadHalf({at('c', 'ldc', r, 16 * nv)}, edge))")
    w("    } else if let bias = e.bias {")
    for v in range(nv):
        p = at('bias', '', 0, 16 * v)
        w(f"        let bias{v} = " + (f"gemmLoadColumns({p}, edge)" if (v == last and not half) else f"load16({p})"))
    if half:
        w(f"        let biasHalf = gemmInterleaveHalf(gemmLoadHalf({at('bias', '', 0, 16 * nv)}, edge))")
    for r in range(mr):
        w("        " + "; ".join([f"{accs[r][v]} = bias{v}" for v in range(nv)] + ([f"{hacc[r]} = biasHalf"] if half else [])))
    w("    } else {")
    w("        let zero = SIMD16<Float>()")
    for r in range(mr):
        w("        " + "; ".join([f"{accs[r][v]} = zero" for v in range(nv)] + ([f"{hacc[r]} = zero"] if half else [])))
    w("    }")
    # --- main loop
    odd = [[f"d{r}_{v}" for v in range(nv)] for r in range(mr)]
    if split:
        w("    let zeroOdd = SIMD16<Float>()")
        w("    var " + ", ".join(f"{x} = zeroOdd" for row in odd for x in row))
    w("    var bp = b")
    w("    var k = 0")
    if pair_loop:
        # One iteration = k and k + 1. Packed rows: full vectors of k, full vectors of k + 1, then (half
        # panels) one vector holding the 8 half columns of k and k + 1 interleaved.
        step = 2 * width
        w("    while k &+ 1 < kc {")
        for v in range(nv):
            w(f"        let b0_{v} = load16({at('bp', '', 0, 16 * v)})")
            w(f"        let b1_{v} = load16({at('bp', '', 0, 16 * (nv + v))})")
        if half:
            w(f"        let bh = load16({at('bp', '', 0, 32 * nv)})")
        for r in range(mr):
            if nv:
                w(f"        let x{r} = SIMD16<Float>(repeating: a{r}[k])")
                for v in range(nv):
                    w(f"        fmadd(&{accs[r][v]}, x{r}, b0_{v})")
                w(f"        let y{r} = SIMD16<Float>(repeating: a{r}[k &+ 1])")
                for v in range(nv):
                    w(f"        fmadd(&{(odd if split else accs)[r][v]}, y{r}, b1_{v})")
            if half:
                w(f"        fmadd(&{hacc[r]}, gemmBroadcastPair({at(f'a{r}', '', 0, 'k')}), bh)")
        w(f"        bp += {step}")
        w("        k &+= 2")
        w("    }")
        w("    if k < kc {")
        for v in range(nv):
            w(f"        let b0_{v} = load16({at('bp', '', 0, 16 * v)})")
        if half:
            w(f"        let bh = load16({at('bp', '', 0, 16 * nv)})  // odd lanes are zero")
        for r in range(mr):
            w(f"        let x{r} = SIMD16<Float>(repeating: a{r}[k])")
            for v in range(nv):
                w(f"        fmadd(&{accs[r][v]}, x{r}, b0_{v})")
            if half:
                w(f"        fmadd(&{hacc[r]}, x{r}, bh)")
        w("    }")
        if split:
            for r in range(mr):
                w("    " + "; ".join(f"{accs[r][v]} += {odd[r][v]}" for v in range(nv)))
    else:
        w("    while k < kc {")
        for v in range(nv):
            w(f"        let b{v} = load16({at('bp', '', 0, 16 * v)})")
        for r in range(mr):
            w(f"        let x{r} = SIMD16<Float>(repeating: a{r}[k])")
            for v in range(nv):
                w(f"        fmadd(&{accs[r][v]}, x{r}, b{v})")
        w(f"        bp += {width}")
        w("        k &+= 1")
        w("    }")
    # --- half vectors: sum the even-k and odd-k lanes, two rows per SIMD16 (low half row r, high half r + 1)
    hpairs = []
    if half:
        for r in range(0, mr, 2):
            hi = f"{hacc[r + 1]}.evenHalf + {hacc[r + 1]}.oddHalf" if r + 1 < mr else "SIMD8<Float>()"
            w(f"    var s{r // 2} = SIMD16<Float>(lowHalf: {hacc[r]}.evenHalf + {hacc[r]}.oddHalf, highHalf: {hi})")
            hpairs.append(f"s{r // 2}")
    # --- activation and store, one copy per fusable activation so nothing stays live across a merge
    def stores(fn):
        out = []
        for r in range(mr):
            parts = []
            for v in range(nv):
                p = at('c', 'ldc', r, 16 * v)
                val = fn(accs[r][v])
                parts.append(f"gemmStoreColumns({p}, {val}, edge)" if (v == last and not half) else f"store16({p}, {val})")
            out.append("; ".join(parts))
        if half:
            for i, sp in enumerate(hpairs):
                r = 2 * i
                if fn(sp) != sp:
                    out.append(f"{sp} = {fn(sp)}")
                out.append(f"gemmStoreHalf({at('c', 'ldc', r, 16 * nv)}, {sp}.lowHalf, edge)")
                if r + 1 < mr:
                    out.append(f"gemmStoreHalf({at('c', 'ldc', r + 1, 16 * nv)}, {sp}.highHalf, edge)")
        return out

    w("    switch e.activation {")
    for case, fn in (("relu", "vectorReLU"), ("relu6", "vectorReLU6"), ("hardSwish", "vectorHardSwish")):
        w(f"    case .{case}:")
        for line in stores(lambda x, fn=fn: f"{fn}({x})"):
            w("        " + line)
    w("    default:")
    for line in stores(lambda x: x):
        w("        " + line)
    w("    }")
    w("}")
    return "\n".join(L)


def widths():
    """(width, nv, half) of every panel width a kernel exists for."""
    out = []
    for wdt in range(8, 72, 8):
        out.append((wdt, wdt // 16, (wdt // 8) % 2))
    return out


def dispatcher() -> str:
    L = []
    w = L.append
    w("/// Largest row count of a generated kernel for a panel `width` columns wide (8, 16, ..., 64).")
    w("@inline(__always)")
    w("func gemmMaxMicrokernelRows(width: Int) -> Int {")
    w("    switch width {")
    for wdt, nv, half in widths()[:-1]:
        w(f"    case {wdt}: return {MAX_ROWS[(nv, half)]}")
    w(f"    default: return {MAX_ROWS[(4, 0)]}")
    w("    }")
    w("}")
    w("")
    w("/// Runs the `rows` × `width` microkernel (1 ≤ rows ≤ gemmMaxMicrokernelRows(width:)).")
    w("@inline(__always)")
    w("func gemmRunMicrokernel(rows: Int, width: Int, _ kc: Int, _ a: UnsafePointer<Float>, _ lda: Int,")
    w("    _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ e: GEMMTileEpilogue) {")
    w("    switch width {")
    for wdt, nv, half in widths():
        w(f"    case {wdt}:")
        w("        switch rows {")
        for mr in range(1, MAX_ROWS[(nv, half)] + 1):
            w(f"        case {mr}: gemmMicrokernel{mr}x{wdt}(kc, a, lda, b, c, ldc, e)")
        w("        default: preconditionFailure(\"no GEMM microkernel for \\(rows) rows\")")
        w("        }")
    w("    default: preconditionFailure(\"no GEMM microkernel for width \\(width)\")")
    w("    }")
    w("}")
    return "\n".join(L)


def main() -> None:
    out = [
        "// GENERATED by Scripts/generate_gemm_microkernels.py. Do not edit by hand: change the script,",
        "// run `python3 Scripts/generate_gemm_microkernels.py > Sources/SepCNN/Kernels/GEMM/GEMMMicrokernels.swift`",
        "// and commit both.",
        "//",
        "// Register-blocked SGEMM microkernels for gemmPacked (GEMMPacked.swift). Kernel MRxW computes",
        "// an MR-row × W-column block of C from MR rows of A (read in place, one broadcast per row and k)",
        "// and one packed B panel W columns wide (layout in Docs/gemm-packing.md). W = 16·v + 8 kernels",
        "// step k in pairs and keep their last 8 columns as (even k, odd k) lane pairs.",
        "",
    ]
    out.append(dispatcher())
    for wdt, nv, half in widths():
        for mr in range(1, MAX_ROWS[(nv, half)] + 1):
            out.append("")
            out.append(kernel(mr, nv, half))
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()

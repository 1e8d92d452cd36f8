#!/usr/bin/env python3
"""Generate the ONNX export fixtures for the SepCNN Swift tests: ONNX Runtime's outputs on files
SepCNN exported.

Run from the repository root (needs the Swift toolchain, onnx and onnxruntime, and the import
fixtures of Scripts/make_onnx_fixtures.py, two of which are re-exported here):

    python3 Scripts/make_export_fixtures.py

1. `swift test --filter writeExportFixtures` runs with SEPCNN_EXPORT_FIXTURES_DIR naming a
   temporary directory. For every case of ExportFixtureCase.all (Tests/SepCNNTests/ExportFixtures.swift)
   the test builds the model with its fixed seed, measures its trained-looking recipe (BatchNorm
   scales from training-mode passes, the classifier's scale for logits of magnitude ~5, both as
   powers of two), exports it and writes NAME.onnx, NAME.input.bin (raw float32 NCHW, unless the case
   reuses an import fixture's input), NAME.sepcnn.bin (SepCNN's output) and cases.json.
2. This script checks each file with onnx.checker, runs it in ONNX Runtime on batch 1 and on a
   batch of 3 (the batch dimension is dynamic), and writes under Tests/SepCNNTests/Fixtures/onnx-export/:
       NAME.input.bin    the input (for cases that do not reuse an import fixture's)
       NAME.output.bin   ONNX Runtime's output, raw little-endian float32
       manifest.json     per case: the recipe, the exported file's size and CRC-32, the input and
                         output files and shapes, and max |SepCNN − ONNX Runtime| as measured here.
The exported files themselves are not kept: `swift test` exports again and checks it produced the
same bytes (size and CRC-32) before comparing its outputs with ONNX Runtime's.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = REPO_ROOT / "Tests" / "SepCNNTests" / "Fixtures"
OUT_DIR = FIXTURES / "onnx-export"
TOLERANCE = 1e-4


def export_with_sepcnn(directory):
    env = dict(os.environ, SEPCNN_EXPORT_FIXTURES_DIR=str(directory))
    subprocess.run(["swift", "test", "--filter", "writeExportFixtures"], cwd=REPO_ROOT, env=env, check=True)
    with open(directory / "cases.json") as f:
        return json.load(f)


def run_case(case, directory):
    name = case["name"]
    path = directory / f"{name}.onnx"
    data = path.read_bytes()
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (declared,) = session.get_inputs()
    assert declared.name == "input" and declared.shape[0] == "batch_size", f"{name}: input declared {declared.shape}"
    shape = case["inputShape"]
    assert declared.shape[1:] == shape[1:], f"{name}: input {declared.shape} is not {shape}"

    if case.get("input"):
        input_file = case["input"]
        x = np.fromfile(FIXTURES / input_file, dtype="<f4").reshape(shape)
    else:
        input_file = f"onnx-export/{name}.input.bin"
        shutil.copyfile(directory / f"{name}.input.bin", FIXTURES / input_file)
        x = np.fromfile(FIXTURES / input_file, dtype="<f4").reshape(shape)
    y = session.run(None, {"input": x})[0].astype(np.float32)
    output_file = f"onnx-export/{name}.output.bin"
    y.astype("<f4").tofile(FIXTURES / output_file)

    # The same image inside a batch of three gives the same output: the batch really is dynamic.
    rng = np.random.default_rng(len(name))
    batch = np.concatenate([rng.standard_normal(x.shape).astype(np.float32), x, x * 0.5])
    assert np.abs(session.run(None, {"input": batch})[0][1:2] - y).max() <= 1e-5, f"{name}: batch 3 disagrees with batch 1"

    sepcnn = np.fromfile(directory / f"{name}.sepcnn.bin", dtype="<f4")
    difference = float(np.abs(sepcnn - y.reshape(-1)).max())
    peak = float(np.abs(y).max())
    print(f"{name}: {len(data) / 1e3:.1f} kB, input {shape}, output {list(y.shape)}, max |output| {peak:.3f}, "
          f"max |SepCNN - ONNX Runtime| {difference:.2e}")
    assert difference <= TOLERANCE, f"{name}: SepCNN and ONNX Runtime differ by {difference}"
    assert 0.1 <= peak <= 10, f"{name}: outputs of magnitude {peak} make a poor test"
    entry = {
        "name": name,
        "source": case["source"],
        "byteCount": len(data),
        "crc32": zlib.crc32(data),
        "input": input_file,
        "output": output_file,
        "inputShape": shape,
        "outputShape": list(y.shape),
        "maxAbsOutput": round(peak, 4),
        "maxDifference": float(f"{difference:.3g}"),
    }
    if case.get("recipe"):
        entry["recipe"] = case["recipe"]
    return entry


def main():
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as temporary:
        directory = Path(temporary)
        cases = export_with_sepcnn(directory)
        for stale in OUT_DIR.glob("*.bin"):
            stale.unlink()
        manifest = [run_case(case, directory) for case in cases]
    versions = {"onnx": onnx.__version__, "onnxruntime": ort.__version__}
    with open(OUT_DIR / "manifest.json", "w") as f:
        json.dump({"generator": "Scripts/make_export_fixtures.py", "versions": versions, "tolerance": TOLERANCE,
                   "cases": manifest}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    sys.exit(main())

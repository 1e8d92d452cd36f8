#!/usr/bin/env python3
"""Generate the QDQ export fixtures: ONNX Runtime's outputs on the QDQ files SepCNN exports for
quantized models (QDQExportCase.all in Tests/SepCNNTests/QDQExportTests.swift).

    python3 Scripts/make_qdq_export_fixtures.py    # needs the Swift toolchain, onnx, onnxruntime

`swift test --filter writeFixtures` (with SEPCNN_QDQ_EXPORT_DIR set) quantizes each case with its
fixed seeds and writes NAME.onnx, NAME.input.bin (raw float32 NCHW), NAME.sepcnn.bin (SepCNN's
output) and steps.json (each output's quantization step). This script checks each file with
onnx.checker, runs it in ONNX Runtime (default optimisations: its QDQ fusions and int8 kernels)
and writes Tests/SepCNNTests/Fixtures/qdq-export/NAME.ort.bin. The tests rebuild the same models,
so the exported files themselves are not kept.
"""

import json
import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort

REPO_ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = REPO_ROOT / "Tests" / "SepCNNTests" / "Fixtures" / "qdq-export"


def main():
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as directory:
        directory = Path(directory)
        env = dict(os.environ, SEPCNN_QDQ_EXPORT_DIR=str(directory))
        subprocess.run(["swift", "test", "--filter", "QDQExportTests/writeFixtures"], cwd=REPO_ROOT, env=env, check=True)
        steps = json.loads((directory / "steps.json").read_text())
        for name, step in sorted(steps.items()):
            path = directory / f"{name}.onnx"
            onnx.checker.check_model(onnx.load(str(path)), full_check=True)
            options = ort.SessionOptions()
            options.intra_op_num_threads = 1
            session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
            (declared,) = session.get_inputs()
            image = np.fromfile(directory / f"{name}.input.bin", dtype="<f4").reshape([1] + declared.shape[1:])
            output = session.run(None, {declared.name: image})[0].astype(np.float32)
            output.tofile(OUT_DIR / f"{name}.ort.bin")
            sepcnn = np.fromfile(directory / f"{name}.sepcnn.bin", dtype="<f4")
            print(f"{name}: {path.stat().st_size} bytes, ORT vs SepCNN {np.abs(output.ravel() - sepcnn).max() / step:.2f} steps, "
                  f"top-1 {'same' if output.argmax() == sepcnn.argmax() else 'DIFFERENT'}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Compare SepCNN with ONNX Runtime on the QDQ networks of `make_qdq_fixtures.py --networks DIR`.

    python3 Scripts/make_qdq_fixtures.py --networks /tmp/qdq
    python3 Scripts/compare_qdq_networks.py /tmp/qdq [--sepcnn .build/release/sepcnn]

For each network and photo, `sepcnn run` (a compiled inference plan) computes the output of ONNX
Runtime's own quantized file; printed per network: top-1 agreement with ORT's int8 output, the
largest |difference| in output quantization steps, and the share of outputs more than one step apart;
and, for scale, the same for ONNX Runtime's int8 kernels against its own run of the file as written
(graph optimisations off: every Q/DQ in float). A rounding boundary crossed in an early layer moves
the logits by several steps in a deep network, in either engine.
"""
import argparse
import json
import subprocess
from pathlib import Path

import numpy as np
import onnxruntime as ort


def as_written(path):
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.log_severity_level = 3
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    return lambda image: session.run(None, {session.get_inputs()[0].name: image})[0].ravel()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("directory", type=Path)
    parser.add_argument("--sepcnn", default=".build/release/sepcnn")
    parser.add_argument("--threads", default="1")
    parser.add_argument("--reuse", action="store_true", help="compare the outputs a previous run wrote, without running sepcnn")
    args = parser.parse_args()
    for case in json.loads((args.directory / "manifest.json").read_text()):
        name, step = case["name"], case["outputStep"]
        agree, worst, beyond, count = 0, 0.0, 0, 0
        reference, ort_agree, ort_worst, ort_beyond = as_written(args.directory / f"{name}.onnx"), 0, 0.0, 0
        for i in range(case["images"]):
            stem = args.directory / f"{name}.image{i}"
            out = Path(f"{stem}.sepcnn.bin")
            if not args.reuse:
                subprocess.run([args.sepcnn, "run", str(args.directory / f"{name}.onnx"), "--input", f"{stem}.bin",
                                "--output", str(out), "--threads", args.threads], check=True, capture_output=True)
            ort, ours = np.fromfile(f"{stem}.ort.bin", "<f4"), np.fromfile(out, "<f4")
            difference = np.abs(ort - ours) / step
            agree += int(ort.argmax() == ours.argmax())
            worst = max(worst, float(difference.max()))
            beyond += int((difference > 1.01).sum())
            count += difference.size
            written = reference(np.fromfile(f"{stem}.bin", "<f4").reshape(1, 3, 224, 224))
            ort_difference = np.abs(ort - written) / step
            ort_agree += int(ort.argmax() == written.argmax())
            ort_worst = max(ort_worst, float(ort_difference.max()))
            ort_beyond += int((ort_difference > 1.01).sum())
        print(f"{name}: top-1 agrees on {agree}/{case['images']} photos, max |difference| {worst:.2f} steps "
              f"(step {step:.4g}), {100 * beyond / count:.2f} % of outputs more than one step apart; "
              f"ORT int8 vs ORT as written: top-1 {ort_agree}/{case['images']}, max {ort_worst:.2f} steps, "
              f"{100 * ort_beyond / count:.2f} % beyond one step")


if __name__ == "__main__":
    main()

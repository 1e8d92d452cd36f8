#!/usr/bin/env python3
"""Compare SepCNN with ONNX Runtime on the QDQ networks of `make_qdq_fixtures.py --networks DIR`.

    python3 Scripts/make_qdq_fixtures.py --networks /tmp/qdq
    python3 Scripts/compare_qdq_networks.py /tmp/qdq [--sepcnn .build/release/sepcnn]

For each network and photo, `sepcnn run` (a compiled inference plan) computes the output of ONNX
Runtime's own quantized file; printed per network: top-1 agreement with ORT's int8 output, the
largest |difference| in output quantization steps, and the share of outputs more than one step apart.
"""
import argparse
import json
import subprocess
from pathlib import Path

import numpy as np


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("directory", type=Path)
    parser.add_argument("--sepcnn", default=".build/release/sepcnn")
    parser.add_argument("--threads", default="1")
    args = parser.parse_args()
    for case in json.loads((args.directory / "manifest.json").read_text()):
        name, step = case["name"], case["outputStep"]
        agree, worst, beyond, count = 0, 0.0, 0, 0
        for i in range(case["images"]):
            stem = args.directory / f"{name}.image{i}"
            out = Path(f"{stem}.sepcnn.bin")
            subprocess.run([args.sepcnn, "run", str(args.directory / f"{name}.onnx"), "--input", f"{stem}.bin",
                            "--output", str(out), "--threads", args.threads], check=True, capture_output=True)
            ort, ours = np.fromfile(f"{stem}.ort.bin", "<f4"), np.fromfile(out, "<f4")
            difference = np.abs(ort - ours) / step
            agree += int(ort.argmax() == ours.argmax())
            worst = max(worst, float(difference.max()))
            beyond += int((difference > 1.01).sum())
            count += difference.size
        print(f"{name}: top-1 agrees on {agree}/{case['images']} photos, max |difference| {worst:.2f} steps "
              f"(step {step:.4g}), {100 * beyond / count:.2f} % of outputs more than one step apart")


if __name__ == "__main__":
    main()

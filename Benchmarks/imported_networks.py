#!/usr/bin/env python3
"""Issue 16's table: imported ONNX networks, SepCNN (`sepcnn bench FILE.onnx`) beside ONNX Runtime,
float32, batch 1, 224×224, 1 and 2 threads, in one session, alternating rounds.

    pip install torch torchvision onnx onnxruntime efficientnet-lite-pytorch
    swift build -c release -Xcc -march=native
    python3 Benchmarks/imported_networks.py [--threads 1 2] [--rounds 3] [--seconds 2] [--profile]

Networks (random weights: speed does not depend on the values; exported once with opset 17, the
legacy TorchScript exporter, into $TMPDIR/sepcnn-imported): torchvision's MobileNetV3-Small
(HardSwish, squeeze-and-excitation) and EfficientNet-B0 (SiLU, squeeze-and-excitation), and
EfficientNet-Lite0 (ReLU6, no SE) from efficientnet-lite-pytorch. ONNX Runtime: CPU provider, all
graph optimisations, `intra_op_num_threads` = threads. Each timing: 20 warm-up runs, then at least 50
runs and `--seconds` seconds, median; the median of the rounds' medians is printed, with the range.
Nothing here is built or run by `swift build`, `swift test` or CI.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(tempfile.gettempdir()) / "sepcnn-imported"
NETWORKS = ["mobilenet_v3_small", "efficientnet_b0", "efficientnet_lite0"]


def export(name, path):
    import torch
    import torchvision
    torch.manual_seed(0)
    if name == "efficientnet_lite0":
        from efficientnet_lite_pytorch import EfficientNet
        model = EfficientNet.from_name("efficientnet-lite0")
    else:
        model = getattr(torchvision.models, name)()
    model.eval()
    torch.onnx.export(model, torch.zeros(1, 3, 224, 224), str(path), opset_version=17,
                      input_names=["input"], output_names=["logits"], dynamo=False)


def ort_median_ms(path, threads, seconds):
    import onnxruntime as ort
    sys.path.insert(0, str(Path(__file__).resolve().parent / "int8"))
    from int8_anchors import median_ms  # the same warm-up and timing as the int8 anchors
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    feed = {"input": np.random.default_rng(0).standard_normal((1, 3, 224, 224)).astype(np.float32)}
    return median_ms(lambda: session.run(None, feed), seconds)


def sepcnn_median_ms(sepcnn, path, threads, seconds, profile):
    arguments = [sepcnn, "bench", str(path), "--threads", str(threads), "--seconds", str(seconds), "--json"]
    result = subprocess.run(arguments, capture_output=True, text=True, check=True)
    records = json.loads(result.stdout)
    if profile:
        text = subprocess.run(arguments[:-1] + ["--profile"], capture_output=True, text=True, check=True).stdout
        print(text)
    return records[0]["medianMicroseconds"] / 1e3


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--networks", nargs="+", default=NETWORKS)
    parser.add_argument("--sepcnn", default=str(ROOT / ".build/release/sepcnn"))
    parser.add_argument("--profile", action="store_true", help="also print SepCNN's per-step profile (first round)")
    parser.add_argument("--ort", metavar="PATH", help=argparse.SUPPRESS)  # internal: time ONNX Runtime in its own process
    parser.add_argument("--ort-threads", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.ort:
        print(json.dumps(ort_median_ms(args.ort, args.ort_threads, args.seconds)))
        return
    CACHE.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name in args.networks:
        paths[name] = CACHE / f"{name}.onnx"
        if not paths[name].exists():
            # In a process of its own: torch and ONNX Runtime each bring an LLVM.
            subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
                            f"import imported_networks as m; m.export({name!r}, m.Path({str(paths[name])!r}))"], check=True)
    times = {}
    for round_index in range(args.rounds):
        for threads in args.threads:
            for name, path in paths.items():
                ort = subprocess.run([sys.executable, __file__, "--ort", str(path), "--ort-threads", str(threads),
                                      "--seconds", str(args.seconds)], capture_output=True, text=True, check=True)
                times.setdefault(("ONNX Runtime", name, threads), []).append(float(ort.stdout.strip().splitlines()[-1]))
                sep = sepcnn_median_ms(args.sepcnn, path, threads, args.seconds, args.profile and round_index == 0)
                times.setdefault(("SepCNN", name, threads), []).append(sep)
    print(f"load average {os.getloadavg()[0]:.2f}; {os.cpu_count()} CPUs; {args.rounds} rounds, median (range) in ms")
    header = "| network | " + " | ".join(f"{e} {t} thread{'s' if t > 1 else ''}" for t in args.threads
                                         for e in ("SepCNN", "ONNX Runtime")) + " | SepCNN 1→2 threads |"
    print(header)
    print("|---" * (header.count("|") - 1) + "|")
    for name in paths:
        cells = []
        for threads in args.threads:
            for engine in ("SepCNN", "ONNX Runtime"):
                values = times[(engine, name, threads)]
                cells.append(f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})")
        scaling = ""
        if 1 in args.threads and 2 in args.threads:
            scaling = f"{statistics.median(times[('SepCNN', name, 1)]) / statistics.median(times[('SepCNN', name, 2)]):.2f}×"
        print(f"| {name} | " + " | ".join(cells) + f" | {scaling} |")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Run SepCNN's `sepcnn bench` and the reference engines on the same machine, in one session,
and print per-shape ratios. A measuring tool only: never run by `swift test` or CI.

    apt-get install -y libdnnl-dev libxnnpack-dev libpthreadpool-dev libopenblas-dev
    cp -r ../shared/bench /tmp/refbench && make -C /tmp/refbench
    swift build -c release -Xcc -march=native
    python3 Benchmarks/side_by_side.py --threads 1 2 [--tflite] [--rounds 3]

Ratios are throughput ratios (engine time / SepCNN time): above 1 means SepCNN is faster.
Check `uptime` first; the machine's two vCPUs share FMA units, so another busy process halves
everyone's numbers.
"""
import argparse
import csv
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def sepcnn_name(kind, h, w, cin, cout, stride):
    if kind == "dw3x3":
        return f"dw3x3-{h}x{w}x{cin}-s{stride}"
    if kind == "pw1x1":
        return f"pw-{h}x{w}x{cin}-{cout}"
    if kind == "std3x3":
        return f"conv3x3-{h}x{w}x{cin}-{cout}"
    return None


def run_csv(command, env=None):
    """Runs a C benchmark and returns {sepcnn-style name: median µs}."""
    out = subprocess.run(command, env={**os.environ, **(env or {})}, capture_output=True, text=True, check=True).stdout
    rows = [line for line in out.splitlines() if line and not line.startswith("#")]
    result = {}
    for row in csv.DictReader(io.StringIO("\n".join(rows))):
        name = sepcnn_name(row["kind"], row["H"], row["W"], row["Cin"], row["Cout"], row["stride"])
        if name:
            result[name] = float(row["median_us"])
    return result


def run_sepcnn(threads, seconds):
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        subprocess.run([os.path.join(ROOT, ".build/release/sepcnn"), "bench", "--threads", str(threads),
                        "--seconds", str(seconds), "--json-file", f.name], check=True, stdout=subprocess.DEVNULL)
        return {r["name"]: r for r in json.load(open(f.name))}


def run_tflite(threads):
    out = subprocess.run([sys.executable, os.path.join(ROOT, "Benchmarks/tflite_bench.py"), "--threads", str(threads)],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--refbench", default="/tmp/refbench")
    parser.add_argument("--seconds", type=float, default=0.5)
    parser.add_argument("--tflite", action="store_true", help="also time TFLite+XNNPACK on MobileNetV1/V2 (needs tensorflow-cpu)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="run every engine this many times, alternating, and report the median of their medians")
    args = parser.parse_args()
    print(f"# {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")
    for threads in args.threads:
        samples = [{}, {}, {}, {}]  # SepCNN, oneDNN, XNNPACK, TFLite: name -> [median µs per round]
        for _ in range(args.rounds):
            rounds = [{name: r["medianMicroseconds"] for name, r in run_sepcnn(threads, args.seconds).items()},
                      run_csv([os.path.join(args.refbench, "dnnl_bench")], {"OMP_NUM_THREADS": str(threads)}),
                      run_csv([os.path.join(args.refbench, "xnn_bench"), str(threads)]),
                      run_tflite(threads) if args.tflite else {}]
            for engine, result in zip(samples, rounds):
                for name, value in result.items():
                    engine.setdefault(name, []).append(value)
        ours, onednn, xnnpack, tflite = ({name: statistics.median(v) for name, v in engine.items()} for engine in samples)
        if args.rounds > 1:
            print(f"\n(median of {args.rounds} alternated rounds per engine and case)")
        print(f"\n## {threads} thread(s): median µs, and engine time / SepCNN time (> 1: SepCNN faster)")
        print(f"{'benchmark':24} {'SepCNN':>9} {'oneDNN':>9} {'ratio':>6} {'XNNPACK':>9} {'ratio':>6} {'TFLite':>9} {'ratio':>6}")
        for name, t in ours.items():
            cells = []
            for engine in (onednn, xnnpack, tflite):
                other = engine.get(name)
                cells += [f"{other:9.1f}", f"{other / t:6.2f}"] if other else [f"{'—':>9}", f"{'':>6}"]
            print(f"{name:24} {t:9.1f} " + " ".join(cells))


if __name__ == "__main__":
    main()

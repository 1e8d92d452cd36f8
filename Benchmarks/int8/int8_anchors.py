#!/usr/bin/env python3
"""The int8 anchors of issue 12: TensorFlow Lite (LiteRT) + XNNPACK full-integer MobileNetV1/V2 and
ONNX Runtime's static QDQ MobileNetV2, beside their float32 forms, batch 1, 224×224, 1 and 2 threads.

    pip install tensorflow-cpu ai-edge-litert torch torchvision onnx onnxruntime
    python3 Benchmarks/int8/int8_anchors.py [--threads 1 2] [--rounds 3] [--seconds 2] [--json FILE]

- TFLite: Keras MobileNet 1.0-224 and MobileNetV2 1.0-224 with random weights (`weights=None`: speed
  does not depend on the values), converted once to float32 and to full-integer int8 (representative
  dataset of 32 random images, per-channel weights — the converter's default — int8 input and
  output), timed with LiteRT's interpreter (XNNPACK is its default delegate).
- ONNX Runtime: torchvision's MobileNetV2 exported to ONNX (opset 17) and quantized with
  `quant_pre_process` and `quantize_static` (QDQ, per-channel, int8 activations and weights, 32
  random calibration images). ONNX Runtime fuses 37 of its 52 convolutions into QLinearConv; 15
  pointwise ones stay float between DequantizeLinear and QuantizeLinear.
Converted models are cached in $TMPDIR/sepcnn-int8-anchors. Converting and timing each run in a
process of their own (TensorFlow, torch and the interpreters each bring an LLVM; two abort). Each timing: 20 warm-up runs, then at
least 50 runs and `--seconds` seconds, median; with `--rounds N` every engine is timed N times,
alternating, and the median of the medians is reported (the host's noise comes in bursts).
Nothing here is built or run by `swift build`, `swift test` or CI.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np

CACHE = Path(tempfile.gettempdir()) / "sepcnn-int8-anchors"
RNG = np.random.default_rng(0)


# MARK: - Models

def tflite_models():
    """{name: path} for the four TFLite files, converting any that are missing."""
    import tensorflow as tf
    makers = {"mobilenet-v1-224": lambda: tf.keras.applications.MobileNet(weights=None),
              "mobilenet-v2-224": lambda: tf.keras.applications.MobileNetV2(weights=None)}
    paths = {}
    for name, make in makers.items():
        float_path, int8_path = CACHE / f"{name}.tflite", CACHE / f"{name}-int8.tflite"
        if not float_path.exists() or not int8_path.exists():
            model = make()
            float_path.write_bytes(tf.lite.TFLiteConverter.from_keras_model(model).convert())
            converter = tf.lite.TFLiteConverter.from_keras_model(model)
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
            images = [RNG.uniform(-1, 1, (1, 224, 224, 3)).astype(np.float32) for _ in range(32)]
            converter.representative_dataset = lambda: ([image] for image in images)
            converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
            converter.inference_input_type = tf.int8
            converter.inference_output_type = tf.int8
            int8_path.write_bytes(converter.convert())
        paths[name] = float_path
        paths[name + "-int8"] = int8_path
    return paths


def onnx_models():
    """{name: path} for torchvision's MobileNetV2 in float32 and static QDQ int8."""
    import torch
    import torchvision
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quant_pre_process, quantize_static
    float_path, int8_path = CACHE / "mobilenet-v2-224.onnx", CACHE / "mobilenet-v2-224-int8.onnx"
    if not float_path.exists() or not int8_path.exists():
        model = torchvision.models.mobilenet_v2().eval()
        torch.onnx.export(model, torch.zeros(1, 3, 224, 224), str(float_path), input_names=["input"],
                          output_names=["output"], opset_version=17, dynamo=False)

        class Images(CalibrationDataReader):
            def __init__(self):
                self.images = [RNG.standard_normal((1, 3, 224, 224)).astype(np.float32) for _ in range(32)]

            def get_next(self):
                return {"input": self.images.pop()} if self.images else None

        # ORT's recommended pre-processing (shape inference, its graph optimisations) drops the export's
        # Identity nodes in front of weights: without it 25 of the 52 Conv nodes stay float, with it 15.
        prepared = CACHE / "mobilenet-v2-224-prepared.onnx"
        quant_pre_process(str(float_path), str(prepared))
        quantize_static(str(prepared), str(int8_path), Images(), quant_format=QuantFormat.QDQ, per_channel=True,
                        activation_type=QuantType.QInt8, weight_type=QuantType.QInt8)
    return {"mobilenet-v2-224": float_path, "mobilenet-v2-224-int8": int8_path}


# MARK: - Timing

def median_ms(run, seconds):
    for _ in range(20):
        run()
    samples, start = [], time.perf_counter()
    while len(samples) < 50 or time.perf_counter() - start < seconds:
        t0 = time.perf_counter()
        run()
        samples.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(samples)


def tflite_runner(path, threads):
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        from tensorflow.lite import Interpreter
    interpreter = Interpreter(model_path=str(path), num_threads=threads)  # XNNPACK is the default delegate
    interpreter.allocate_tensors()
    detail = interpreter.get_input_details()[0]
    if detail["dtype"] == np.int8:
        image = RNG.integers(-128, 128, detail["shape"], dtype=np.int8)
    else:
        image = RNG.uniform(-1, 1, detail["shape"]).astype(np.float32)
    interpreter.set_tensor(detail["index"], image)
    return interpreter.invoke


def onnx_runner(path, threads):
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    feed = {"input": RNG.standard_normal((1, 3, 224, 224)).astype(np.float32)}
    return lambda: session.run(None, feed)


def load():
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def worker(args):
    """One step in a process of its own: TensorFlow's converter, torch and the interpreters each
    bring an LLVM, and two in one process abort ('Option registered more than once')."""
    if args.convert == "tflite":
        paths = tflite_models()
    elif args.convert == "onnx":
        paths = onnx_models()
    else:
        engine, path, threads = args.time
        make = tflite_runner if engine == "TFLite" else onnx_runner
        print(json.dumps(median_ms(make(path, int(threads)), args.seconds)))
        return
    print(json.dumps({name: str(path) for name, path in paths.items()}))


def subprocess_json(*arguments):
    result = subprocess.run([sys.executable, __file__, *arguments], capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(arguments)} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--json", type=Path, help="also write the medians (ms) here")
    parser.add_argument("--convert", choices=["tflite", "onnx"], help=argparse.SUPPRESS)
    parser.add_argument("--time", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    CACHE.mkdir(parents=True, exist_ok=True)
    if args.convert or args.time:
        return worker(args)
    engines = [("TFLite", name, path) for name, path in subprocess_json("--convert", "tflite").items()]
    engines += [("ONNX Runtime", name, path) for name, path in subprocess_json("--convert", "onnx").items()]
    load_before = load()
    results = {}
    for threads in args.threads:
        rounds = {(engine, name): [] for engine, name, _ in engines}
        for _ in range(args.rounds):
            for engine, name, path in engines:
                rounds[(engine, name)].append(subprocess_json("--time", engine, path, str(threads), "--seconds", str(args.seconds)))
        for key, values in rounds.items():
            results[(key[0], key[1], threads)] = statistics.median(values)

    print(f"\nload average (1 min): {load_before:.2f} before, {load():.2f} after; "
          f"{os.cpu_count()} CPUs; {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")
    print(f"\n| engine | model | " + " | ".join(f"{t} thread{'s' if t > 1 else ''} (ms)" for t in args.threads)
          + " | int8 / float32 |")
    print("|---|---|" + "---|" * len(args.threads) + "---|")
    for engine, name in sorted({(e, n) for e, n, _ in results}, key=lambda k: (k[0], k[1].replace("-int8", ""), k[1])):
        times = [results[(engine, name, t)] for t in args.threads]
        ratio = ""
        if name.endswith("-int8") and (engine, name[:-5], args.threads[0]) in results:
            ratio = " / ".join(f"{results[(engine, name, t)] / results[(engine, name[:-5], t)]:.2f}" for t in args.threads)
        print(f"| {engine} | {name} | " + " | ".join(f"{t:.2f}" for t in times) + f" | {ratio} |")
    if args.json:
        args.json.write_text(json.dumps({f"{e}/{n}/{t}": v for (e, n, t), v in results.items()}, indent=1) + "\n")


if __name__ == "__main__":
    main()

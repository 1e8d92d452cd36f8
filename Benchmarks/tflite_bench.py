#!/usr/bin/env python3
"""Time TensorFlow Lite with XNNPACK on MobileNetV1/V2 1.0-224, fp32, batch 1, random weights
(`weights=None`: speed does not depend on the values). Prints a JSON object
{"mobilenet-v1-224": median µs, "mobilenet-v2-224": median µs} as its last line.

    pip install tensorflow-cpu
    python3 Benchmarks/tflite_bench.py --threads 1
"""
import argparse
import json
import os
import statistics
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import tensorflow as tf


def tflite_model(keras_model, path):
    if not os.path.exists(path):
        converter = tf.lite.TFLiteConverter.from_keras_model(keras_model)
        with open(path, "wb") as f:
            f.write(converter.convert())
    return path


def median_us(path, threads, seconds=2.0):
    interpreter = tf.lite.Interpreter(model_path=path, num_threads=threads)  # XNNPACK is the default delegate
    interpreter.allocate_tensors()
    inp = interpreter.get_input_details()[0]
    interpreter.set_tensor(inp["index"], np.random.rand(*inp["shape"]).astype(np.float32))
    for _ in range(20):
        interpreter.invoke()
    samples, start = [], time.perf_counter()
    while len(samples) < 50 or time.perf_counter() - start < seconds:
        t0 = time.perf_counter()
        interpreter.invoke()
        samples.append((time.perf_counter() - t0) * 1e6)
    return statistics.median(samples)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    cache = os.path.join(tempfile.gettempdir(), "sepcnn-tflite")
    os.makedirs(cache, exist_ok=True)
    models = {
        "mobilenet-v1-224": lambda: tf.keras.applications.MobileNet(weights=None),
        "mobilenet-v2-224": lambda: tf.keras.applications.MobileNetV2(weights=None),
    }
    result = {}
    for name, make in models.items():
        path = os.path.join(cache, name + ".tflite")
        if not os.path.exists(path):
            tflite_model(make(), path)
        result[name] = median_us(path, args.threads)
    print(json.dumps(result))


if __name__ == "__main__":
    main()

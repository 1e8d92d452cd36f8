#!/usr/bin/env python3
"""Runs an ONNX file in ONNX Runtime and compares its output with SepCNN's (a checking tool: never
run by tests or CI; the tests compare against committed fixtures instead).

    python3 Scripts/check_onnx_runtime.py MODEL.onnx --make-input INPUT.bin [SEED]
        writes a seeded normal input of the model's input shape (batch 1), little-endian float32
    python3 Scripts/check_onnx_runtime.py MODEL.onnx INPUT.bin SEPCNN_OUTPUT.bin
        runs MODEL.onnx on INPUT.bin and prints the largest absolute and relative difference from
        SEPCNN_OUTPUT.bin (what `sepcnn run MODEL --input INPUT.bin --output SEPCNN_OUTPUT.bin` wrote)

The input is what `sepcnn run` takes for the same model: NCHW for an ONNX file `sepcnn convert` wrote.
"""
import sys

import numpy as np
import onnxruntime as ort


def session(path):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def input_shape(s):
    shape = s.get_inputs()[0].shape
    return [1 if not isinstance(d, int) else d for d in shape]


def main():
    s = session(sys.argv[1])
    if sys.argv[2] == "--make-input":
        seed = int(sys.argv[4]) if len(sys.argv) > 4 else 0
        x = np.random.default_rng(seed).standard_normal(input_shape(s)).astype("<f4")
        x.tofile(sys.argv[3])
        print(f"wrote {sys.argv[3]}: {x.shape}")
        return
    x = np.fromfile(sys.argv[2], dtype="<f4").reshape(input_shape(s))
    ours = np.fromfile(sys.argv[3], dtype="<f4")
    theirs = s.run(None, {s.get_inputs()[0].name: x})[0].astype(np.float32).reshape(-1)
    if ours.size != theirs.size:
        sys.exit(f"SepCNN wrote {ours.size} values, ONNX Runtime {theirs.size}")
    diff = np.abs(ours - theirs)
    print(f"ONNX Runtime {ort.__version__}: {theirs.size} outputs, max |difference| {diff.max():.3g}, "
          f"max relative {diff.max() / max(np.abs(theirs).max(), 1e-12):.3g}, argmax agrees: {int(ours.argmax()) == int(theirs.argmax())}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Loads a fashion-sepcnn(-standard) saved by `sepcnn train --output` into PyTorch and prints its
test accuracy with the saved running BatchNorm statistics and after recalibrating them on 12,800
training images, plus how far each BatchNorm's running mean and variance sit from the true
statistics of its input under the final weights. A measuring tool only (see
pytorch_fashion_reference.py); never run by `swift test` or CI.

    python3 Scripts/bn_recalibration.py MODEL.safetensors
"""
import sys

import torch
import torch.nn as nn
from safetensors.torch import load_file

sys.path.insert(0, __import__("os").path.dirname(__file__))
from pytorch_fashion_reference import FashionNet, accuracy, images, labels, recalibrated_accuracy  # noqa: E402

torch.set_num_threads(1)
state = {k: v for k, v in load_file(sys.argv[1]).items() if "num_batches" not in k}
model = FashionNet(separable=any("depthwise" in k for k in state))
missing, unexpected = model.load_state_dict(state, strict=False)
assert not unexpected and all("num_batches" in k for k in missing), (missing, unexpected)
model.eval()
xtr = images("train-images-idx3-ubyte.gz")[:12800]
xte, yte = images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz")
print(f"test accuracy {accuracy(model, xte, yte) * 100:.2f} % with the running statistics, "
      f"{recalibrated_accuracy(model, xtr, xte, yte) * 100:.2f} % recalibrated")
inputs = {}
for name, m in model.named_modules():
    if isinstance(m, nn.BatchNorm2d):
        m.register_forward_hook(lambda m, i, o, name=name: inputs.setdefault(name, []).append(i[0]))
with torch.no_grad():
    for i in range(0, 12800, 640):
        model(xtr[i:i + 640])
for name, m in model.named_modules():
    if isinstance(m, nn.BatchNorm2d):
        a = torch.cat(inputs[name])
        mean, var = a.mean((0, 2, 3)), a.var((0, 2, 3))
        lag = ((m.running_mean - mean) / var.sqrt()).abs()
        ratio = m.running_var / var
        print(f"{name}: |running mean − mean| / std median {lag.median():.3f} max {lag.max():.3f}; "
              f"running var / var {ratio.min():.3f}…{ratio.max():.3f}")

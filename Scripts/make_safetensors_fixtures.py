#!/usr/bin/env python3
"""Safetensors files written by the Python `safetensors` package (pip install safetensors), for
SepCNN's reader tests:

  Tests/SepCNNTests/Fixtures/python-dtypes.safetensors
      one small tensor per dtype SepCNN reads (F32, F16, BF16, F64, I64) plus __metadata__;
      the values are simple formulas the Swift test repeats.
  Tests/SepCNNTests/Fixtures/model-sepcnn-example.safetensors
      the PyTorch state dict of make_fixtures.py's SepCNNExample, rebuilt from the weights in
      model-sepcnn-example.json (SepCNN layouts → PyTorch layouts), loaded into the torch module
      with strict=True and checked to reproduce that fixture's output, then saved with the
      architecture metadata SepCNN's ModelFile reads.

Usage: python3 Scripts/make_safetensors_fixtures.py
"""
import json
from pathlib import Path

import torch
from safetensors.torch import save_file

from make_fixtures import SepCNNExample, MODEL_RESOLUTION

FIXTURES = Path(__file__).resolve().parent.parent / "Tests" / "SepCNNTests" / "Fixtures"


def dtype_file():
    tensors = {
        "f32": torch.arange(6, dtype=torch.float32).reshape(2, 3) / 4 - 0.5,
        "f16": torch.tensor([1.5, -2.0, 0.099975586, 65504.0], dtype=torch.float16),
        "bf16": torch.tensor([1.0, -3.5, 256.0], dtype=torch.bfloat16),
        "f64": torch.tensor([[0.1, -0.2], [1e10, 3.0]], dtype=torch.float64),
        "i64": torch.tensor([0, -7, 123456], dtype=torch.int64),
        "empty": torch.zeros(0, 3),
    }
    save_file(tensors, FIXTURES / "python-dtypes.safetensors", metadata={"source": "python safetensors", "note": "é\"\\"})


def model_file():
    case = json.loads((FIXTURES / "model-sepcnn-example.json").read_text())["cases"][0]
    t = {k: torch.tensor(v["data"], dtype=torch.float32).reshape(v["shape"]) for k, v in case["tensors"].items()}
    p = MODEL_RESOLUTION // 2
    state = {
        "depthwise.weight": t["depthwise.weight"].permute(2, 3, 0, 1).reshape(3, 1, 3, 3),  # [kh,kw,C,1] → [C,1,kh,kw]
        "depthwise.bias": t["depthwise.bias"],
        "pointwise.weight": t["pointwise.weight"].t().reshape(64, 3, 1, 1),
        "pointwise.bias": t["pointwise.bias"],
        "bn.weight": t["bn.weight"], "bn.bias": t["bn.bias"],
        "bn.running_mean": t["bn.runningMean"], "bn.running_var": t["bn.runningVar"],
        "bn.num_batches_tracked": torch.tensor(0, dtype=torch.int64),
        # rows (h, w, c) → torch.flatten's (c, h, w)
        "fc.weight": t["fc.weight"].reshape(p, p, 64, 10).permute(3, 2, 0, 1).reshape(10, 64 * p * p),
        "fc.bias": t["fc.bias"],
    }
    state = {k: v.contiguous() for k, v in state.items()}
    model = SepCNNExample()
    model.load_state_dict(state, strict=True)
    model.eval()
    x = t["input"].permute(0, 3, 1, 2)
    with torch.no_grad():
        error = (model(x) - t["output"]).abs().max().item()
    assert error < 1e-4, f"rebuilt torch model differs from the fixture by {error}"
    architecture = json.dumps({"format": "sepcnn-model", "version": 1, "model": "sepcnn-example",
                               "options": {"resolution": MODEL_RESOLUTION, "classes": 10}})
    save_file(state, FIXTURES / "model-sepcnn-example.safetensors", metadata={"architecture": architecture})
    print(f"model file reproduces the fixture output to {error:.2e}")


if __name__ == "__main__":
    dtype_file()
    model_file()

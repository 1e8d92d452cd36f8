#!/usr/bin/env python3
"""Generate the JPEG-decoding fixtures for the SepCNN Swift tests (needs Pillow and numpy; cjpeg from
libjpeg-turbo-progs for the 4:4:0 and Adobe-RGB files).

    python3 Scripts/make_jpeg_fixtures.py

Writes small JPEGs of odd sizes (not multiples of the MCU) under Tests/SepCNNTests/Fixtures/jpeg/, each
with <name>.bin beside it: the pixels Pillow (libjpeg-turbo, islow IDCT, fancy upsampling) decodes,
after ImageOps.exif_transpose, converted to L or RGB, row-major. jpeg.json lists them with their sizes,
and the files the decoder must refuse (12-bit, arithmetic, lossless, hierarchical, CMYK) with the word
its error must contain. Those are made by patching a baseline file's SOF marker or precision byte.
"""
import io
import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "Tests" / "SepCNNTests" / "Fixtures" / "jpeg"
OUT.mkdir(parents=True, exist_ok=True)
for old in OUT.glob("*"):
    old.unlink()
rng = np.random.default_rng(11)


def photo(w, h, c=3):
    """Smooth gradients, a sharp edge and noise: every coefficient band and chroma detail gets used."""
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([x * 255 / (w - 1), y * 255 / (h - 1), 128 + 100 * np.sin((x + 2 * y) / 4.0)], -1)
    base[(x - w // 2) ** 2 + (y - h // 2) ** 2 < (min(w, h) // 3) ** 2] = [230, 40, 90]
    image = np.clip(base + rng.normal(0, 12, (h, w, 3)), 0, 255).astype(np.uint8)
    return Image.fromarray(image, "RGB") if c == 3 else Image.fromarray(image, "RGB").convert("L")


cases, refused = [], []


def expect(name, data):
    (OUT / name).write_bytes(data)
    decoded = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    mode = "L" if decoded.mode == "L" else "RGB"
    pixels = np.asarray(decoded.convert(mode))
    (OUT / (name[:-4] + ".bin")).write_bytes(pixels.tobytes())
    cases.append({"file": name, "width": decoded.width, "height": decoded.height, "channels": 1 if mode == "L" else 3})


def pillow(image, **options):
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", **options)
    return buffer.getvalue()


def cjpeg(image, *arguments):
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "in.ppm"
        image.save(source)
        return subprocess.run(["cjpeg", *arguments, str(source)], check=True, capture_output=True).stdout


def patched_sof(data, marker):
    """The same file with its SOF0 marker replaced (the header layout is the same for every SOFn)."""
    at = data.index(b"\xff\xc0")
    return data[:at + 1] + bytes([marker]) + data[at + 2:]


small, wide = photo(33, 17), photo(40, 24)
expect("baseline-gray-33x17.jpg", pillow(photo(33, 17, 1), quality=90))
expect("baseline-444-33x17.jpg", pillow(small, quality=90, subsampling=0))
expect("baseline-422-33x17.jpg", pillow(small, quality=90, subsampling=1))
expect("baseline-420-33x17.jpg", pillow(small, quality=85, subsampling=2))
expect("baseline-420-40x24.jpg", pillow(wide, quality=75, subsampling=2, optimize=True))
expect("progressive-420-33x17.jpg", pillow(small, quality=90, subsampling=2, progressive=True))
expect("progressive-444-40x24.jpg", pillow(wide, quality=80, subsampling=0, progressive=True))
expect("progressive-gray-33x17.jpg", pillow(photo(33, 17, 1), quality=90, progressive=True))
expect("restart-420-33x17.jpg", pillow(small, quality=90, subsampling=2, restart_marker_blocks=2))
expect("restart-progressive-40x24.jpg", pillow(wide, quality=90, subsampling=2, progressive=True, restart_marker_rows=1))
# Extended sequential (SOF1) codes 8-bit Huffman data exactly as baseline does.
expect("extended-sof1-33x17.jpg", patched_sof(pillow(small, quality=90, subsampling=1), 0xC1))
# 4:4:0 (chroma halved vertically only), 4:1:1 (a 4:1 ratio, upsampled by replication) and RGB with an Adobe marker.
expect("cjpeg-440-33x17.jpg", cjpeg(small, "-quality", "90", "-sample", "1x2,1x1,1x1"))
expect("cjpeg-411-33x17.jpg", cjpeg(small, "-quality", "90", "-sample", "4x1,1x1,1x1"))
expect("cjpeg-rgb-33x17.jpg", cjpeg(small, "-quality", "90", "-rgb"))
for orientation in range(2, 9):
    exif = Image.Exif()
    exif[0x0112] = orientation
    expect(f"orientation{orientation}-33x17.jpg", pillow(small, quality=85, exif=exif.tobytes()))

baseline = pillow(small, quality=50)


def refuse(name, data, word):
    (OUT / name).write_bytes(data)
    refused.append({"file": name, "mentions": word})


at = baseline.index(b"\xff\xc0")
refuse("refused-12bit.jpg", baseline[:at + 4] + bytes([12]) + baseline[at + 5:], "12-bit")
refuse("refused-arithmetic-sof9.jpg", patched_sof(baseline, 0xC9), "arithmetic")
refuse("refused-progressive-arithmetic-sof10.jpg", patched_sof(baseline, 0xCA), "arithmetic")
refuse("refused-lossless-sof3.jpg", patched_sof(baseline, 0xC3), "lossless")
refuse("refused-hierarchical-sof5.jpg", patched_sof(baseline, 0xC5), "hierarchical")
refuse("refused-cmyk.jpg", pillow(Image.fromarray(np.asarray(small)[..., [0, 1, 2, 0]], "CMYK"), quality=50), "CMYK")

(OUT / "jpeg.json").write_text(json.dumps({"cases": cases, "refused": refused}, indent=1) + "\n")
total = sum(p.stat().st_size for p in OUT.iterdir())
print(f"{len(cases)} decodable and {len(refused)} refused fixtures, {total} bytes in {OUT}")

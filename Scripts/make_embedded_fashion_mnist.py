#!/usr/bin/env python3
"""Writes the Fashion-MNIST subset embedded in SepCNN (Sources/SepCNN/Resources/fashion-mnist).

8,000 images from the official *training* split and 2,000 from the official *test* split, stratified
(800 and 200 per class) and chosen with a fixed seed, each kept in the file's order, in the
publisher's IDX format and file names, so the folder reads like the real dataset and the test
images are never among the training ones. Needs the four original files, e.g. from Debian's
dataset-fashion-mnist package:
    python3 Scripts/make_embedded_fashion_mnist.py /usr/share/datasets/fashion-mnist
"""
import gzip
import random
import struct
import sys
from pathlib import Path

SOURCE = Path(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist")
OUT = Path(__file__).resolve().parent.parent / "Sources/SepCNN/Resources/fashion-mnist"


def read(prefix):
    with gzip.open(SOURCE / f"{prefix}-images-idx3-ubyte.gz") as f:
        magic, n, rows, cols = struct.unpack(">IIII", f.read(16))
        assert magic == 2051, magic
        images = f.read(n * rows * cols)
    with gzip.open(SOURCE / f"{prefix}-labels-idx1-ubyte.gz") as f:
        magic, m = struct.unpack(">II", f.read(8))
        assert magic == 2049 and m == n
        labels = f.read(n)
    return images, labels, rows, cols


def write(prefix, per_class, seed):
    images, labels, rows, cols = read(prefix)
    size = rows * cols
    rng = random.Random(seed)
    chosen = []
    for label in range(10):
        members = [i for i, l in enumerate(labels) if l == label]
        chosen += rng.sample(members, per_class)
    chosen.sort()
    # mtime=0: the same bytes on every run.
    with gzip.GzipFile(OUT / f"{prefix}-images-idx3-ubyte.gz", "wb", compresslevel=9, mtime=0) as f:
        f.write(struct.pack(">IIII", 2051, len(chosen), rows, cols))
        f.write(b"".join(images[i * size:(i + 1) * size] for i in chosen))
    with gzip.GzipFile(OUT / f"{prefix}-labels-idx1-ubyte.gz", "wb", compresslevel=9, mtime=0) as f:
        f.write(struct.pack(">II", 2049, len(chosen)))
        f.write(bytes(labels[i] for i in chosen))
    print(f"{prefix}: {len(chosen)} images")


write("train", 800, 2026)
write("t10k", 200, 2027)

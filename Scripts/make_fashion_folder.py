#!/usr/bin/env python3
"""A small image folder of Fashion-MNIST for quick fine-tuning checks (a data-preparation tool: never
run by tests or CI). `sepcnn prune|train --dataset folder --data OUTDIR` reads it; there is no option
to take only part of a dataset's published files, and an imported ImageNet-style network (e.g.
MobileNetV3-Small at 96×96×3) needs only a few hundred images to show that fine-tuning runs.

    python3 Scripts/make_fashion_folder.py OUTDIR [PER_CLASS_TRAIN [PER_CLASS_TEST]]

Writes OUTDIR/train/<class>/<n>.pgm and OUTDIR/test/<class>/<n>.pgm (binary PGM, 28×28 gray), the
first PER_CLASS_TRAIN (default 40) training and PER_CLASS_TEST (default 20) test images of each
class, in file order, from Debian's dataset-fashion-mnist files.
"""
import gzip
import sys
from pathlib import Path

DATA = Path("/usr/share/datasets/fashion-mnist")
CLASSES = ["T-shirt-top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle-boot"]


def write(split, prefix, per_class, out):
    pixels = gzip.open(DATA / f"{prefix}-images-idx3-ubyte.gz").read()[16:]
    labels = gzip.open(DATA / f"{prefix}-labels-idx1-ubyte.gz").read()[8:]
    counts = [0] * len(CLASSES)
    for index, label in enumerate(labels):
        if counts[label] >= per_class:
            continue
        folder = out / split / f"{label}-{CLASSES[label]}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{counts[label]:04d}.pgm").write_bytes(b"P5 28 28 255\n" + pixels[index * 784:(index + 1) * 784])
        counts[label] += 1
        if min(counts) >= per_class:
            break
    print(f"{split}: {sum(counts)} images in {out / split}")


def main():
    out = Path(sys.argv[1])
    train = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    test = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    write("train", "train", train, out)
    write("test", "t10k", test, out)


if __name__ == "__main__":
    main()

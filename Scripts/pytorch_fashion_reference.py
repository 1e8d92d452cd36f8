#!/usr/bin/env python3
"""The PyTorch side of issue 4's Fashion-MNIST comparison: the recipe `sepcnn train` runs
(Adam 1e-3, batch 64, 3 epochs, images scaled to 0...1, no augmentation), in PyTorch, on one thread.
A measuring tool only: never run by `swift test` or CI.

    python3 Scripts/pytorch_fashion_reference.py sep|std SEED [--paired INIT.safetensors ORDER.bin]

Prints per epoch: test accuracy in eval mode (running BatchNorm statistics), test accuracy after
recalibrating the BatchNorm statistics on 12,800 training images with the final weights (what the
weights are worth, without the noise of the running averages), and images/s. With --paired it starts
from the given weights (SepCNN's names, as `sepcnn train --output` or ModelFile.save writes them) and
visits the training set in the given order (int32 [3, 60000]), so a SepCNN run fed the same init and
order can be compared step for step; it then saves its final weights beside ORDER.bin.
"""
import copy
import gzip
import sys
import time

import numpy as np
import torch
import torch.nn as nn

DATA = "/usr/share/datasets/fashion-mnist/"  # Debian's dataset-fashion-mnist


def images(name):
    raw = gzip.open(DATA + name).read()
    return torch.from_numpy(np.frombuffer(raw, np.uint8, offset=16).reshape(-1, 1, 28, 28).astype(np.float32) / 255)


def labels(name):
    return torch.from_numpy(np.frombuffer(gzip.open(DATA + name).read(), np.uint8, offset=8).astype(np.int64))


class Block(nn.Module):
    """depthwise 3×3 → pointwise (separable) or a standard 3×3, then BatchNorm and ReLU."""
    def __init__(self, cin, cout, separable):
        super().__init__()
        if separable:
            self.depthwise = nn.Conv2d(cin, cin, 3, padding=1, groups=cin)
            self.pointwise = nn.Conv2d(cin, cout, 1)
        else:
            self.conv = nn.Conv2d(cin, cout, 3, padding=1)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        x = self.pointwise(self.depthwise(x)) if hasattr(self, "depthwise") else self.conv(x)
        return torch.relu(self.bn(x))


class FashionNet(nn.Module):
    """fashion-sepcnn (13,204 parameters) or fashion-sepcnn-standard (94,410), in SepCNN's names."""
    def __init__(self, separable):
        super().__init__()
        self.block1, self.block2 = Block(1, 32, separable), Block(32, 64, separable)
        self.block3, self.classifier = Block(64, 128, separable), nn.Linear(128, 10)

    def forward(self, x):
        x = nn.functional.max_pool2d(self.block2(self.block1(x)), 2)
        x = nn.functional.max_pool2d(self.block3(x), 2)
        return self.classifier(x.mean((2, 3)))


def accuracy(model, x, y):
    with torch.no_grad():
        return (model(x).argmax(1) == y).float().mean().item()


def recalibrated_accuracy(model, train, x, y):
    r = copy.deepcopy(model)
    for m in r.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.reset_running_stats()
            m.momentum = None  # a plain average over the recalibration batches
    r.train()
    with torch.no_grad():
        for i in range(0, 12800, 64):
            r(train[i:i + 64])
    r.eval()
    return accuracy(r, x, y)


def main():
    separable, seed = sys.argv[1] == "sep", int(sys.argv[2])
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    xtr, ytr = images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz")
    xte, yte = images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz")
    model = FashionNet(separable)
    order = None
    if "--paired" in sys.argv:
        from safetensors.torch import load_file, save_file
        init, order_file = sys.argv[sys.argv.index("--paired") + 1: sys.argv.index("--paired") + 3]
        state = {k: v for k, v in load_file(init).items() if "num_batches" not in k}
        model.load_state_dict(state, strict=False)
        order = torch.from_numpy(np.fromfile(order_file, dtype=np.int32).astype(np.int64)).reshape(3, 60000)
    print(f"{sum(p.numel() for p in model.parameters())} parameters", flush=True)
    optimizer = torch.optim.Adam(model.parameters(), 1e-3)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(3):
        model.train()
        permutation = order[epoch] if order is not None else torch.randperm(60000)
        start, total = time.time(), 0.0
        for i in range(0, 60000, 64):
            index = permutation[i:i + 64]
            optimizer.zero_grad()
            loss = loss_fn(model(xtr[index]), ytr[index])
            loss.backward()
            optimizer.step()
            total += loss.item() * len(index)
        seconds = time.time() - start
        model.eval()
        print(f"epoch {epoch + 1}  loss {total / 60000:.4f}  test {accuracy(model, xte, yte) * 100:.2f} %  "
              f"recalibrated {recalibrated_accuracy(model, xtr, xte, yte) * 100:.2f} %  {60000 / seconds:.0f} images/s",
              flush=True)
    if order is not None:
        save_file({k: v.contiguous() for k, v in model.state_dict().items() if "num_batches" not in k},
                  order_file + ".pytorch.safetensors")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The ONNX models behind issue 11's fine-tuning checks (a measuring tool: never run by tests or CI).

    python3 Scripts/make_finetune_models.py OUTDIR [--imagenet-only] [--train-images N]

Writes to OUTDIR:
  fashion-pytorch.onnx   the Fashion-MNIST network of Scripts/pytorch_fashion_reference.py (separable form),
                         trained in PyTorch for 2 epochs (Adam 1e-3, batch 64) on the first N training images
                         (default all 60,000; fewer for a quick functional check on a busy machine), on one
                         thread, exported in eval mode (opset 17);
                         its PyTorch test accuracy is printed. `sepcnn train --model` fine-tunes it one more epoch.
  mobilenet_v3_small-imagenet.onnx
                         torchvision's MobileNetV3-Small as ImageNet users have it — 224×224×3 input,
                         1000 classes — with seeded random weights (no hub downloads here) and BatchNorm
                         statistics averaged over training-mode passes on random smooth images, for
                         `sepcnn train --classes 10 --freeze-backbone`.
"""
import sys
import warnings
from pathlib import Path

import torch
import torchvision

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pytorch_fashion_reference import FashionNet, accuracy, images, labels  # noqa: E402


def export(model, shape, path):
    model.eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.zeros(*shape),), str(path), opset_version=17, dynamo=False,
                          input_names=["input"], output_names=["logits"], dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})
    print(f"wrote {path}")


def main():
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    if "--imagenet-only" in sys.argv:
        return export_imagenet_shaped(out)
    torch.manual_seed(0)
    torch.set_num_threads(1)
    count = int(sys.argv[sys.argv.index("--train-images") + 1]) if "--train-images" in sys.argv else 60000
    xtr, ytr = images("train-images-idx3-ubyte.gz")[:count], labels("train-labels-idx1-ubyte.gz")[:count]
    xte, yte = images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz")
    net = FashionNet(separable=True)
    optimizer = torch.optim.Adam(net.parameters(), 1e-3)
    for epoch in range(2):
        net.train()
        permutation = torch.randperm(count)
        for i in range(0, count, 64):
            index = permutation[i:i + 64]
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(net(xtr[index]), ytr[index]).backward()
            optimizer.step()
        net.eval()
        print(f"PyTorch epoch {epoch + 1}: test accuracy {accuracy(net, xte, yte) * 100:.2f} %")
    export(net, (1, 1, 28, 28), out / "fashion-pytorch.onnx")

    export_imagenet_shaped(out)


def export_imagenet_shaped(out):
    torch.manual_seed(1)
    mobilenet = torchvision.models.mobilenet_v3_small(num_classes=1000)
    # A plain average of the batch statistics (momentum None): with the default momentum, 8 passes
    # leave running statistics halfway between the initial and the batch ones, which saturates a
    # random network and makes its features the same for every image (measured: std 5e-9).
    for module in mobilenet.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.momentum = None
    mobilenet.train()
    with torch.no_grad():
        for _ in range(8):
            # Smooth random blobs, closer to photographs than white noise.
            blobs = torch.rand(16, 3, 7, 7) ** 3
            mobilenet(torch.nn.functional.interpolate(blobs, size=(224, 224), mode="bilinear"))
    export(mobilenet, (1, 3, 224, 224), out / "mobilenet_v3_small-imagenet.onnx")


if __name__ == "__main__":
    main()

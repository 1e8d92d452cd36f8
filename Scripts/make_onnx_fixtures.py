#!/usr/bin/env python3
"""Generate ONNX import fixtures for the SepCNN Swift tests.

Run once from the repository root (needs torch, torchvision, onnx, onnxruntime; tf2onnx and
tensorflow for the Keras case, which is skipped if they are missing):

    python3 Scripts/make_onnx_fixtures.py              # every case
    python3 Scripts/make_onnx_fixtures.py efficientnet # only the cases whose names start so;
                                                       # manifest.json keeps the others' entries

For every case it writes, under Tests/SepCNNTests/Fixtures/onnx/:
    NAME.onnx          the exported model
    NAME.input.bin     one input, raw little-endian float32 in the model's declared layout
                       (NCHW for the PyTorch exports, NHWC for the Keras/tf2onnx export)
    NAME.output.bin    ONNX Runtime's output for that input, raw little-endian float32
and manifest.json listing every case with its input and output shapes.

Weights are random (seeded), but BatchNorm running statistics are made non-trivial by several
training-mode forward passes on random data before switching to eval mode, and the classifier
is scaled so that the logits have a magnitude of about 1-10 (a 1e-4 tolerance then means
something). Models are shrunk (width multiplier, resolution, 10 classes) to keep each file
under 2 MB.
"""

import json
import os
import sys
import warnings
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torchvision

REPO_ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = REPO_ROOT / "Tests" / "SepCNNTests" / "Fixtures" / "onnx"


def calibrate_batchnorm(model, shape, passes=8):
    """Training-mode passes on random data give every BatchNorm non-trivial running statistics."""
    model.train()
    with torch.no_grad():
        for _ in range(passes):
            model(torch.randn(*shape) * 1.5 + 0.2)
    model.eval()


def scale_logits(model, example, classifier):
    """Scales the last linear layer so the logits' largest magnitude is about 5."""
    with torch.no_grad():
        peak = model(example).abs().max().item()
        factor = 5.0 / max(peak, 1e-6)
        classifier.weight.mul_(factor)
        classifier.bias.mul_(factor)


def run_onnxruntime(path, x):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return session.run(None, {name: x})[0]


def write_case(name, path, x, manifest, source):
    onnx.checker.check_model(onnx.load(str(path)))
    y = run_onnxruntime(path, x).astype(np.float32)
    x.astype("<f4").tofile(OUT_DIR / f"{name}.input.bin")
    y.astype("<f4").tofile(OUT_DIR / f"{name}.output.bin")
    size = os.path.getsize(path)
    peak = float(np.abs(y).max())
    print(f"{name}: {size / 1e6:.2f} MB, input {list(x.shape)}, output {list(y.shape)}, max |logit| {peak:.2f}")
    assert size < 2_100_000, f"{name} is too large ({size} bytes)"
    assert 1 <= peak <= 10, f"{name}: logits of magnitude {peak} make a poor test"
    manifest.append({"name": name, "source": source, "inputShape": list(x.shape), "outputShape": list(y.shape)})


def export_torch(model, x, path, opset, dynamo):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if dynamo:
            program = torch.onnx.export(model, (torch.from_numpy(x),), dynamo=True, opset_version=opset,
                                        input_names=["input"], output_names=["logits"])
            program.save(str(path))
        else:
            torch.onnx.export(model, (torch.from_numpy(x),), str(path), dynamo=False, opset_version=opset,
                              input_names=["input"], output_names=["logits"],
                              dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})


def selected(name):
    """Whether the command line asks for this case (no arguments: every case)."""
    prefixes = sys.argv[1:]
    return not prefixes or any(name.startswith(prefix) for prefix in prefixes)


def torch_cases(manifest):
    models = {
        # torchvision's MobileNetV2 keeps a 1280-channel last conv; width 0.35 keeps the file small.
        "mobilenet_v2": (lambda: torchvision.models.mobilenet_v2(width_mult=0.35, num_classes=10), 96,
                         lambda m: m.classifier[-1]),
        # Squeeze-and-excitation, HardSwish, HardSigmoid; reduced_tail halves the last stage.
        "mobilenet_v3_small": (lambda: torchvision.models.mobilenet_v3_small(width_mult=0.5, reduced_tail=True,
                                                                             num_classes=10), 96,
                               lambda m: m.classifier[-1]),
    }
    exports = [("opset11", 11, False), ("opset17", 17, False), ("dynamo", 18, True)]
    for model_name, (make, resolution, classifier) in models.items():
        if not any(selected(f"{model_name}-{suffix}") for suffix, _, _ in exports):
            continue
        torch.manual_seed(0)
        model = make()
        calibrate_batchnorm(model, (8, 3, resolution, resolution))
        rng = np.random.default_rng(1)
        x = rng.standard_normal((1, 3, resolution, resolution)).astype(np.float32)
        scale_logits(model, torch.from_numpy(x), classifier(model))
        for suffix, opset, dynamo in exports:
            name = f"{model_name}-{suffix}"
            if not selected(name):
                continue
            path = OUT_DIR / f"{name}.onnx"
            try:
                export_torch(model, x, path, opset, dynamo)
            except Exception as error:  # the dynamo exporter is optional
                if not dynamo:
                    raise
                print(f"{name}: skipped, the dynamo exporter failed: {error}", file=sys.stderr)
                continue
            with torch.no_grad():
                expected = model(torch.from_numpy(x)).numpy()
            write_case(name, path, x, manifest, f"torchvision {model_name}, torch.onnx dynamo={dynamo}, opset {opset}")
            actual = np.fromfile(OUT_DIR / f"{name}.output.bin", dtype="<f4").reshape(expected.shape)
            assert np.abs(actual - expected).max() < 1e-4, f"{name}: ONNX Runtime disagrees with PyTorch"


class TinyGraph(torch.nn.Module):
    """A few kilobytes exercising the operators the MobileNets do not: Pad, MaxPool, AveragePool,
    Concat on channels, Sigmoid, Sub/Div with constants, and a flatten of a spatial map written as
    x.view(x.size(0), -1), which the legacy exporter turns into Shape/Gather/Unsqueeze/Concat/Reshape.
    It is also the seed of the malformed-input tests and the fuzzer."""

    def __init__(self):
        super().__init__()
        nn = torch.nn
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=0, bias=False), nn.BatchNorm2d(8), nn.ReLU6())
        self.depthwise = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1, groups=8), nn.BatchNorm2d(8), nn.Hardswish())
        self.gate = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(8, 4, 1), nn.ReLU(), nn.Conv2d(4, 8, 1), nn.Sigmoid())
        self.branch = nn.Conv2d(8, 4, 1)
        self.classifier = nn.Linear(12 * 4 * 4, 10)

    def forward(self, x):
        x = self.stem(torch.nn.functional.pad(x, (1, 1, 1, 1)))
        y = self.depthwise(x)
        y = y * self.gate(y) + x
        z = torch.cat([torch.nn.functional.max_pool2d(y, 2), torch.nn.functional.avg_pool2d(self.branch(y), 2)], dim=1)
        z = (z - 0.25) / 2.0
        return self.classifier(z.view(z.size(0), -1))


def tiny_cases(manifest):
    torch.manual_seed(3)
    model = TinyGraph()
    calibrate_batchnorm(model, (8, 3, 16, 16))
    x = np.random.default_rng(4).standard_normal((1, 3, 16, 16)).astype(np.float32)
    scale_logits(model, torch.from_numpy(x), model.classifier)
    for opset in (11, 13):
        name = f"tiny_graph-opset{opset}"
        if not selected(name):
            continue
        path = OUT_DIR / f"{name}.onnx"
        export_torch(model, x, path, opset, dynamo=False)
        write_case(name, path, x, manifest, f"TinyGraph (this script), torch.onnx dynamo=False, opset {opset}")


def efficientnet_case(manifest):
    """torchvision's EfficientNet-B0 architecture (SiLU, squeeze-and-excitation with Sigmoid gates,
    stochastic depth, which is the identity in eval mode), shrunk by width 0.35 and depth 0.5 so the
    file stays near 1.4 MB. Exported once, at opset 17: it is also the source of an export fixture
    (Scripts/make_export_fixtures.py)."""
    name = "efficientnet_b0-opset17"
    if not selected(name):
        return
    from torchvision.models import efficientnet
    torch.manual_seed(5)
    setting, last_channel = efficientnet._efficientnet_conf("efficientnet_b0", width_mult=0.35, depth_mult=0.5)
    model = efficientnet.EfficientNet(setting, dropout=0.2, last_channel=last_channel, num_classes=10)
    resolution = 96
    calibrate_batchnorm(model, (8, 3, resolution, resolution))
    x = np.random.default_rng(6).standard_normal((1, 3, resolution, resolution)).astype(np.float32)
    scale_logits(model, torch.from_numpy(x), model.classifier[-1])
    path = OUT_DIR / f"{name}.onnx"
    export_torch(model, x, path, 17, dynamo=False)
    with torch.no_grad():
        expected = model(torch.from_numpy(x)).numpy()
    write_case(name, path, x, manifest, "torchvision EfficientNet-B0 layout, width 0.35, depth 0.5, torch.onnx dynamo=False, opset 17")
    actual = np.fromfile(OUT_DIR / f"{name}.output.bin", dtype="<f4").reshape(expected.shape)
    assert np.abs(actual - expected).max() < 1e-4, f"{name}: ONNX Runtime disagrees with PyTorch"


def keras_case(manifest):
    if not selected("keras_mobilenet_v2-tf2onnx"):
        return
    try:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import tensorflow as tf
        import tf2onnx
    except ImportError as error:
        print(f"keras case skipped: {error}", file=sys.stderr)
        return
    tf.random.set_seed(0)
    resolution = 64
    model = tf.keras.applications.MobileNetV2(input_shape=(resolution, resolution, 3), alpha=0.35, weights=None,
                                              classes=10, classifier_activation=None)
    # Non-trivial BatchNorm statistics: a few training-mode passes update the moving averages.
    rng = np.random.default_rng(2)
    for _ in range(8):
        model(rng.standard_normal((8, resolution, resolution, 3)).astype(np.float32) * 1.5 + 0.2, training=True)
    x = rng.standard_normal((1, resolution, resolution, 3)).astype(np.float32)
    dense = model.layers[-1]
    kernel, bias = dense.get_weights()
    peak = np.abs(model(x, training=False).numpy()).max()
    dense.set_weights([kernel * (5.0 / peak), bias * (5.0 / peak)])
    name = "keras_mobilenet_v2-tf2onnx"
    path = OUT_DIR / f"{name}.onnx"
    spec = (tf.TensorSpec((None, resolution, resolution, 3), tf.float32, name="input"),)
    tf2onnx.convert.from_keras(model, input_signature=spec, opset=13, output_path=str(path))
    expected = model(x, training=False).numpy()
    write_case(name, path, x, manifest, f"Keras MobileNetV2 alpha 0.35 via tf2onnx {tf2onnx.__version__}, opset 13")
    actual = np.fromfile(OUT_DIR / f"{name}.output.bin", dtype="<f4").reshape(expected.shape)
    assert np.abs(actual - expected).max() < 1e-4, f"{name}: ONNX Runtime disagrees with Keras"


def main():
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    manifest = []
    torch_cases(manifest)
    tiny_cases(manifest)
    efficientnet_case(manifest)
    keras_case(manifest)
    versions = {"torch": torch.__version__, "torchvision": torchvision.__version__, "onnx": onnx.__version__,
                "onnxruntime": ort.__version__}
    manifest_path = OUT_DIR / "manifest.json"
    if sys.argv[1:] and manifest_path.exists():
        # A partial run replaces its own cases, each with the versions that made it, and keeps the
        # others in their places under the versions that made them.
        with open(manifest_path) as f:
            previous = json.load(f)
        fresh = {case["name"]: dict(case, versions=versions) for case in manifest}
        manifest = [fresh.pop(case["name"], case) for case in previous["cases"]] + list(fresh.values())
        versions = previous["versions"]
    with open(manifest_path, "w") as f:
        json.dump({"generator": "Scripts/make_onnx_fixtures.py", "versions": versions, "cases": manifest}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()

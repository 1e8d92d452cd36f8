#!/usr/bin/env python3
"""Generate the fixture of one PyTorch training step of a small graph network, for the Swift test
that imports the same network from ONNX and trains it (GraphTrainingParityTests).

Run once from the repository root (needs torch, onnx, onnxruntime):

    python3 Scripts/make_graph_training_fixtures.py

It writes, under Tests/SepCNNTests/Fixtures/:
    onnx/graph_training.onnx    the network, exported in eval mode (opset 17, legacy exporter) with
                                BatchNormalization kept as its own node (TrainingMode.PRESERVE: the
                                EVAL mode would fold each BatchNorm into its convolution, and batch
                                statistics could then not be trained)
    graph-training.json         one case in the schema of make_fixtures.py (SepCNN layouts):
        input                   the batch, NHWC
        attrs.labels            the labels; attrs.loss the cross-entropy before the step;
                                attrs.learningRate, momentum, weightDecay: torch.optim.SGD's
        output                  the logits of the training-mode forward pass
        gradInput               d loss / d input, NHWC
        grad.<name>             every parameter's gradient, under SepCNN's name and layout
        updated.<name>          every parameter after one SGD step, and the BatchNorm running
                                statistics after that step's update (momentum 0.1, unbiased variance)
    and, beside the cases, "parameterNames": SepCNN name -> PyTorch state-dict name.

How names map. The importer names each layer after its ONNX node, with the leading "/" dropped and
"." replaced by "_" (the legacy exporter names nodes by module path: module `se.reduce` becomes node
"/se/reduce/Conv", SepCNN node "se/reduce/Conv"), and a layer's parameters are `weight` and `bias`
(BatchNorm: `weight`, `bias`, `runningMean`, `runningVar`). This script reads the ONNX graph to find
the node consuming each initializer, so the mapping comes from the file itself. Nothing is folded:
the importer folds only Mul/Add/Sub/Div by constants into a preceding conv or dense layer, and this
graph has none (the Swift test checks that every BatchNorm arrived as a BatchNorm).

Convolutions directly followed by BatchNorm have no bias in PyTorch; the importer gives every
convolution one, initialised to zero. Its gradient is zero up to rounding (the batch mean removes
it), so those biases are absent from the fixture and the Swift test checks they stay at ~0.
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
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_fixtures as mf  # noqa: E402  (layout helpers and float32 serialisation)

ONNX_PATH = mf.FIXTURE_DIR / "onnx" / "graph_training.onnx"
JSON_PATH = mf.FIXTURE_DIR / "graph-training.json"
GENERATOR = "Scripts/make_graph_training_fixtures.py"

LEARNING_RATE, MOMENTUM, WEIGHT_DECAY = 0.1, 0.9, 1e-3


class GraphTrainingNet(nn.Module):
    """Conv → BN → ReLU6; a MobileNetV2-style residual (depthwise → BN → HardSwish → 1×1 → BN, + x);
    squeeze-and-excitation (mean → 1×1 → ReLU → 1×1 → hardsigmoid → broadcast Mul); a 1×1 branch of
    the stem output concatenated on channels; max pooling; flatten of the 4×4 map (NCHW order) → Linear."""

    def __init__(self, classes=5):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.stem_bn = nn.BatchNorm2d(8)
        self.depthwise = nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False)
        self.depthwise_bn = nn.BatchNorm2d(8)
        self.project = nn.Conv2d(8, 8, 1, bias=False)
        self.project_bn = nn.BatchNorm2d(8)
        self.se_reduce = nn.Conv2d(8, 4, 1)
        self.se_expand = nn.Conv2d(4, 8, 1)
        self.branch = nn.Conv2d(8, 4, 1)
        self.classifier = nn.Linear(12 * 4 * 4, classes)

    def forward(self, x):
        x = F.relu6(self.stem_bn(self.stem(x)))
        y = F.hardswish(self.depthwise_bn(self.depthwise(x)))
        y = self.project_bn(self.project(y)) + x
        s = y.mean((2, 3), keepdim=True)
        s = F.hardsigmoid(self.se_expand(F.relu(self.se_reduce(s))))
        z = torch.cat([y * s, self.branch(x)], dim=1)
        z = F.max_pool2d(z, 2)
        return self.classifier(torch.flatten(z, 1))


def sepcnn_layouts(model):
    """Each parameter's conversion to SepCNN's layout, by the layer the importer makes of it."""
    convert = {}
    for name, module in model.named_modules():
        if isinstance(module, nn.Conv2d):
            if module.groups == module.in_channels and module.in_channels > 1:
                weight = lambda w, m=module: mf.depthwise_weight(w, m.out_channels // m.in_channels)
            elif module.kernel_size == (1, 1) and module.stride == (1, 1) and module.padding == (0, 0) and module.groups == 1:
                weight = mf.pointwise_weight
            else:
                weight = mf.conv_weight
            convert[f"{name}.weight"] = weight
            convert[f"{name}.bias"] = mf.arr
        elif isinstance(module, nn.Linear):
            convert[f"{name}.weight"] = lambda w: mf.arr(w.t())
            convert[f"{name}.bias"] = mf.arr
        elif isinstance(module, nn.BatchNorm2d):
            for p in ("weight", "bias", "running_mean", "running_var"):
                convert[f"{name}.{p}"] = mf.arr
    return convert


def sepcnn_names(path):
    """PyTorch state-dict name -> SepCNN parameter name, from the node consuming each initializer."""
    graph = onnx.load(str(path)).graph
    initializers = {i.name for i in graph.initializer}
    roles = {"Conv": ["weight", "bias"], "Gemm": ["weight", "bias"],
             "BatchNormalization": ["weight", "bias", "runningMean", "runningVar"]}
    names = {}
    for node in graph.node:
        if node.op_type not in roles:
            continue
        layer = node.name.lstrip("/").replace(".", "_")
        for name, role in zip(node.input[1:], roles[node.op_type]):
            if name in initializers:
                names[name] = f"{layer}.{role}"
    return names


def export(model, x):
    model.eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (x,), str(ONNX_PATH), dynamo=False, opset_version=17,
                          training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=True,
                          input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})
    proto = onnx.load(str(ONNX_PATH))
    onnx.checker.check_model(proto)
    ops = [n.op_type for n in proto.graph.node]
    assert ops.count("BatchNormalization") == 3, f"BatchNorm was folded away: {ops}"
    # The export computes what the eval-mode model does.
    session = ort.InferenceSession(str(ONNX_PATH), providers=["CPUExecutionProvider"])
    with torch.no_grad():
        expected = model(x).numpy()
    actual = session.run(None, {"input": x.numpy()})[0]
    assert np.abs(actual - expected).max() < 1e-5, "ONNX Runtime disagrees with PyTorch"
    size = os.path.getsize(ONNX_PATH)
    assert size < 20_000, f"the ONNX file is {size} bytes"
    return ops, size


def main():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    model = GraphTrainingNet()
    with torch.no_grad():
        for bn in (model.stem_bn, model.depthwise_bn, model.project_bn):
            mf.randomize_batchnorm(bn)
    x = torch.randn(4, 3, 8, 8) * 1.5
    labels = torch.tensor([0, 3, 1, 4])
    ops, size = export(model, x)

    names = sepcnn_names(ONNX_PATH)
    convert = sepcnn_layouts(model)
    state = dict(model.state_dict())
    assert set(names) == {k for k in state if not k.endswith("num_batches_tracked")}, "every tensor maps to a SepCNN name"

    # One training step, as Trainer.step does it: train mode, cross-entropy (mean), SGD.
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE, momentum=MOMENTUM, weight_decay=WEIGHT_DECAY)
    optimizer.zero_grad()
    x.requires_grad_(True)
    logits = model(x)
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    gradients = {n: p.grad.detach().clone() for n, p in model.named_parameters()}
    optimizer.step()

    tensors = {"input": mf.nhwc(x), "output": mf.arr(logits), "gradInput": mf.nhwc(x.grad)}
    for torch_name, gradient in gradients.items():
        tensors[f"grad.{names[torch_name]}"] = convert[torch_name](gradient)
    for torch_name, value in model.state_dict().items():
        if torch_name in names:
            tensors[f"updated.{names[torch_name]}"] = convert[torch_name](value)
    attrs = {"labels": [int(v) for v in labels], "loss": loss.item(), "learningRate": LEARNING_RATE,
             "momentum": MOMENTUM, "weightDecay": WEIGHT_DECAY}
    case = mf.make_case("graph_training_step", "graph-training", attrs, tensors)

    header = {"generator": GENERATOR, "torch": torch.__version__, "onnx": onnx.__version__,
              "parameterNames": {names[k]: k for k in sorted(names)}}
    head = json.dumps(header, separators=(",", ":"), indent=None)[:-1]
    JSON_PATH.write_text(f'{head},"cases":[\n{json.dumps(case, separators=(",", ":"), allow_nan=False)}\n]}}\n')
    assert json.loads(JSON_PATH.read_text())["cases"] == [case]
    print(f"{ONNX_PATH.name}: {size} bytes, {len(ops)} nodes ({', '.join(sorted(set(ops)))})")
    print(f"{JSON_PATH.name}: {os.path.getsize(JSON_PATH)} bytes, loss {loss.item():.6f}")


if __name__ == "__main__":
    main()

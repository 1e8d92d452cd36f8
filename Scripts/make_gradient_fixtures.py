#!/usr/bin/env python3
"""Generate PyTorch gradient fixtures for the SepCNN Swift tests.

Run once from the repository root (needs torch and numpy):

    python3 Scripts/make_gradient_fixtures.py

It writes Tests/SepCNNTests/Fixtures/gradients.json in the schema of make_fixtures.py (same
layouts, same float32 serialisation). Each single-layer case holds the layer attrs, `input`, its
parameters (`weight`, `bias`, ...), the forward `output`, a random upstream gradient `gradOutput`
and what autograd computes from it: `gradInput` and `grad<Parameter>` (`gradWeight`, `gradBias`).
Parameter gradients are converted to SepCNN layouts exactly like the parameters.

The last case, `model_fashion_sepcnn`, is the built-in fashion-sepcnn on a batch of 2 in training
mode (batch statistics), with a cross-entropy loss on random labels computed here: `gradOutput` is
that loss's gradient with respect to the logits, and `grad.<name>` holds every parameter's gradient
under SepCNN's dotted parameter names (parameters themselves under `<name>`).
"""

import sys
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_fixtures as mf  # noqa: E402  (shared layout helpers and serialisation)

GRADIENTS_PATH = mf.FIXTURE_DIR / "gradients.json"
GENERATOR = "Scripts/make_gradient_fixtures.py"


def backward(y):
    """A random upstream gradient for y, and autograd's pass with it."""
    g = torch.randn_like(y)
    y.backward(g)
    return g


def nhwc_or_arr(t):
    return mf.nhwc(t) if t.dim() == 4 else mf.arr(t)


def depthwise_case(name, n, c, h, w, kernel, stride=1, padding="valid", dilation=1, multiplier=1, bias=True):
    kernel, stride, dilation = mf.pair(kernel), mf.pair(stride), mf.pair(dilation)
    conv = nn.Conv2d(c, c * multiplier, kernel, stride=stride, dilation=dilation, groups=c, bias=bias)
    x = torch.randn(n, c, h, w, requires_grad=True)
    y = conv(mf.torch_pad(x, mf.resolve_padding(padding, (h, w), kernel, stride, dilation)))
    g = backward(y)
    tensors = {"input": mf.nhwc(x), "weight": mf.depthwise_weight(conv.weight, multiplier), "output": mf.nhwc(y),
               "gradOutput": mf.nhwc(g), "gradInput": mf.nhwc(x.grad),
               "gradWeight": mf.depthwise_weight(conv.weight.grad, multiplier)}
    if bias:
        tensors.update(bias=mf.arr(conv.bias), gradBias=mf.arr(conv.bias.grad))
    attrs = {"kernel": kernel, "stride": stride, "padding": padding, "dilation": dilation,
             "multiplier": multiplier, "bias": bias}
    return mf.make_case(name, "depthwise", attrs, tensors)


def conv2d_case(name, n, cin, cout, h, w, kernel, stride=1, padding="valid", dilation=1, groups=1, bias=True):
    kernel, stride, dilation = mf.pair(kernel), mf.pair(stride), mf.pair(dilation)
    conv = nn.Conv2d(cin, cout, kernel, stride=stride, dilation=dilation, groups=groups, bias=bias)
    x = torch.randn(n, cin, h, w, requires_grad=True)
    y = conv(mf.torch_pad(x, mf.resolve_padding(padding, (h, w), kernel, stride, dilation)))
    g = backward(y)
    tensors = {"input": mf.nhwc(x), "weight": mf.conv_weight(conv.weight), "output": mf.nhwc(y),
               "gradOutput": mf.nhwc(g), "gradInput": mf.nhwc(x.grad), "gradWeight": mf.conv_weight(conv.weight.grad)}
    if bias:
        tensors.update(bias=mf.arr(conv.bias), gradBias=mf.arr(conv.bias.grad))
    attrs = {"kernel": kernel, "stride": stride, "padding": padding, "dilation": dilation, "groups": groups,
             "inputChannels": cin, "outputChannels": cout, "bias": bias}
    return mf.make_case(name, "conv2d", attrs, tensors)


def pointwise_case(name, n, cin, cout, h, w):
    conv = nn.Conv2d(cin, cout, 1)
    x = torch.randn(n, cin, h, w, requires_grad=True)
    y = conv(x)
    g = backward(y)
    tensors = {"input": mf.nhwc(x), "weight": mf.pointwise_weight(conv.weight), "bias": mf.arr(conv.bias),
               "output": mf.nhwc(y), "gradOutput": mf.nhwc(g), "gradInput": mf.nhwc(x.grad),
               "gradWeight": mf.pointwise_weight(conv.weight.grad), "gradBias": mf.arr(conv.bias.grad)}
    return mf.make_case(name, "pointwise", {"inputChannels": cin, "outputChannels": cout, "bias": True}, tensors)


def dense_case(name, n, fin, fout):
    fc = nn.Linear(fin, fout)
    x = torch.randn(n, fin, requires_grad=True)
    y = fc(x)
    g = backward(y)
    tensors = {"input": mf.arr(x), "weight": mf.arr(fc.weight.t()), "bias": mf.arr(fc.bias), "output": mf.arr(y),
               "gradOutput": mf.arr(g), "gradInput": mf.arr(x.grad), "gradWeight": mf.arr(fc.weight.grad.t()),
               "gradBias": mf.arr(fc.bias.grad)}
    return mf.make_case(name, "dense", {"inputFeatures": fin, "outputFeatures": fout}, tensors)


def batchnorm_case(name, shape, training):
    c = shape[1]
    bn = nn.BatchNorm2d(c) if len(shape) == 4 else nn.BatchNorm1d(c)
    mf.randomize_batchnorm(bn)
    tensors = {"weight": mf.arr(bn.weight), "bias": mf.arr(bn.bias),
               "runningMean": mf.arr(bn.running_mean), "runningVar": mf.arr(bn.running_var)}
    bn.train(training)
    x = (torch.randn(*shape) * 2 + 1).requires_grad_()
    y = bn(x)
    g = backward(y)
    tensors.update(input=nhwc_or_arr(x), output=nhwc_or_arr(y), gradOutput=nhwc_or_arr(g),
                   gradInput=nhwc_or_arr(x.grad), gradWeight=mf.arr(bn.weight.grad), gradBias=mf.arr(bn.bias.grad))
    attrs = {"channels": c, "epsilon": bn.eps, "momentum": bn.momentum, "training": training}
    return mf.make_case(name, "batchnorm", attrs, tensors)


def activation_case(function):
    # PyTorch's conventions at the kinks (0, 6, ±3) are part of the contract: place them first.
    x_nhwc = torch.randn(2, 4, 5, 3) * 4.0
    x_nhwc.view(-1)[:len(mf.ACTIVATION_SPECIAL_POINTS)] = torch.tensor(mf.ACTIVATION_SPECIAL_POINTS)
    x = x_nhwc.permute(0, 3, 1, 2).detach().requires_grad_()
    y = mf.ACTIVATIONS[function](x)
    g = backward(y)
    tensors = {"input": mf.nhwc(x), "output": mf.nhwc(y), "gradOutput": mf.nhwc(g), "gradInput": mf.nhwc(x.grad)}
    return mf.make_case(f"act_{function}", "activation", {"function": function}, tensors)


def softmax_case(name, n, f):
    x = torch.randn(n, f, requires_grad=True)
    y = torch.softmax(x, dim=-1)
    g = backward(y)
    return mf.make_case(name, "softmax", {"axis": -1},
                        {"input": mf.arr(x), "output": mf.arr(y), "gradOutput": mf.arr(g), "gradInput": mf.arr(x.grad)})


def pool_case(name, op, n, c, h, w, kernel, stride, padding, count_include_pad=None):
    x = torch.randn(n, c, h, w, requires_grad=True)
    if op == "maxpool":
        y = F.max_pool2d(x, kernel, stride, padding)
    else:
        y = F.avg_pool2d(x, kernel, stride, padding, count_include_pad=count_include_pad)
    g = backward(y)
    attrs = {"kernel": mf.pair(kernel), "stride": mf.pair(stride), "padding": [padding] * 4}
    if op == "avgpool":
        attrs["countIncludePad"] = count_include_pad
    return mf.make_case(name, op, attrs, {"input": mf.nhwc(x), "output": mf.nhwc(y), "gradOutput": mf.nhwc(g),
                                          "gradInput": mf.nhwc(x.grad)})


def globalavgpool_case(name, n, c, h, w):
    x = torch.randn(n, c, h, w, requires_grad=True)
    y = x.mean(dim=(2, 3))
    g = backward(y)
    return mf.make_case(name, "globalavgpool", {}, {"input": mf.nhwc(x), "output": mf.arr(y), "gradOutput": mf.arr(g),
                                                    "gradInput": mf.nhwc(x.grad)})


class FashionSepCNN(nn.Module):
    """The built-in fashion-sepcnn, with SepCNN's parameter names as module paths."""

    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList()
        for cin, cout in [(1, 32), (32, 64), (64, 128)]:
            self.blocks.append(nn.ModuleDict({
                "depthwise": nn.Conv2d(cin, cin, 3, padding=1, groups=cin),
                "pointwise": nn.Conv2d(cin, cout, 1),
                "bn": nn.BatchNorm2d(cout)}))
        self.classifier = nn.Linear(128, 10)

    def forward(self, x):
        for i, block in enumerate(self.blocks):
            x = F.relu(block["bn"](block["pointwise"](block["depthwise"](x))))
            if i > 0:
                x = F.max_pool2d(x, 2)
        return self.classifier(x.mean(dim=(2, 3)))


def model_case():
    model = FashionSepCNN()
    for block in model.blocks:
        mf.randomize_batchnorm(block["bn"])
    model.train()
    x = torch.randn(2, 1, 28, 28)
    labels = torch.tensor([3, 7])
    tensors = {"input": mf.nhwc(x)}

    def params(convert):
        out = {}
        for i, block in enumerate(model.blocks):
            b = f"block{i + 1}"
            out[f"{b}.depthwise.weight"] = mf.depthwise_weight(convert(block["depthwise"].weight), 1)
            out[f"{b}.depthwise.bias"] = mf.arr(convert(block["depthwise"].bias))
            out[f"{b}.pointwise.weight"] = mf.pointwise_weight(convert(block["pointwise"].weight))
            out[f"{b}.pointwise.bias"] = mf.arr(convert(block["pointwise"].bias))
            out[f"{b}.bn.weight"] = mf.arr(convert(block["bn"].weight))
            out[f"{b}.bn.bias"] = mf.arr(convert(block["bn"].bias))
        out["classifier.weight"] = mf.arr(convert(model.classifier.weight).t())
        out["classifier.bias"] = mf.arr(convert(model.classifier.bias))
        return out

    tensors.update(params(lambda p: p))
    for i, block in enumerate(model.blocks):
        tensors[f"block{i + 1}.bn.runningMean"] = mf.arr(block["bn"].running_mean)
        tensors[f"block{i + 1}.bn.runningVar"] = mf.arr(block["bn"].running_var)
    logits = model(x)
    logits.retain_grad()
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    tensors["output"] = mf.arr(logits)
    tensors["gradOutput"] = mf.arr(logits.grad)
    tensors.update({f"grad.{k}": v for k, v in params(lambda p: p.grad).items()})
    attrs = {"model": "fashion-sepcnn", "training": True, "loss": "cross_entropy (mean)",
             "labels": [float(v) for v in labels], "lossValue": float(loss.detach())}
    return mf.make_case("model_fashion_sepcnn", "model-fashion-sepcnn", attrs, tensors)


def cases():
    out = []
    add = out.append
    add(depthwise_case("dw_k3_s1_p1_b2", 2, 3, 6, 6, 3, 1, [1, 1, 1, 1]))
    add(depthwise_case("dw_k3_s2_same_c17", 2, 17, 7, 9, 3, 2, "same"))
    add(depthwise_case("dw_k3_s2_p1_c20_wide", 1, 20, 5, 12, 3, 2, [1, 1, 1, 1]))
    add(depthwise_case("dw_k5_s1_p2_nobias", 2, 3, 8, 8, 5, 1, [2, 2, 2, 2], bias=False))
    add(depthwise_case("dw_k5_s2_same", 1, 5, 9, 9, 5, 2, "same"))
    add(depthwise_case("dw_k3_d2_pad_t2b0l1r3", 2, 4, 7, 7, 3, 1, [2, 0, 1, 3], dilation=2))
    add(depthwise_case("dw_k3_s1_p1_m2", 2, 3, 6, 6, 3, 1, [1, 1, 1, 1], multiplier=2))
    add(conv2d_case("conv_k3_s2_same_3to5", 2, 3, 5, 7, 7, 3, 2, "same"))
    add(conv2d_case("conv_k3_p1_g2_4to6", 2, 4, 6, 6, 6, 3, 1, [1, 1, 1, 1], groups=2))
    add(conv2d_case("conv_k5_d2_same_3to4_nobias", 1, 3, 4, 9, 9, 5, 1, "same", dilation=2, bias=False))
    add(pointwise_case("pw_5to7", 2, 5, 7, 5, 6))
    add(pointwise_case("pw_20to3", 2, 20, 3, 3, 4))
    add(dense_case("dense_7to5", 3, 7, 5))
    add(batchnorm_case("bn_train_nhwc", (2, 5, 4, 3), training=True))
    add(batchnorm_case("bn_train_1d", (6, 18), training=True))
    add(batchnorm_case("bn_eval_nhwc", (2, 4, 3, 3), training=False))
    for function in mf.ACTIVATIONS:
        add(activation_case(function))
    add(softmax_case("softmax_4x10", 4, 10))
    add(pool_case("maxpool_k2_s2_7x8", "maxpool", 2, 3, 7, 8, 2, 2, 0))
    add(pool_case("maxpool_k3_s2_p1_7x7", "maxpool", 2, 3, 7, 7, 3, 2, 1))
    add(pool_case("avgpool_k3_s2_p1_incl", "avgpool", 2, 3, 7, 7, 3, 2, 1, True))
    add(pool_case("avgpool_k3_s1_p1_excl", "avgpool", 2, 3, 5, 6, 3, 1, 1, False))
    add(globalavgpool_case("gap_6x7", 2, 5, 6, 7))
    add(model_case())
    return out


def main():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    all_cases = cases()
    names = [c["name"] for c in all_cases]
    assert len(names) == len(set(names)), "case names must be unique"
    mf.GENERATOR = GENERATOR  # the header names this script
    size = mf.write_fixture(GRADIENTS_PATH, all_cases)
    print(f"{GRADIENTS_PATH.relative_to(mf.REPO_ROOT)}: {len(all_cases)} cases, {size} bytes")


if __name__ == "__main__":
    main()

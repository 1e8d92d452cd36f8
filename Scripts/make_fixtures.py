#!/usr/bin/env python3
"""Generate PyTorch reference fixtures for the SepCNN Swift tests.

Run once from the repository root (needs torch and numpy):

    python3 Scripts/make_fixtures.py

It writes
    Tests/SepCNNTests/Fixtures/layers.json                 (single-layer cases)
    Tests/SepCNNTests/Fixtures/model-sepcnn-example.json   (the small example network)

Both files share one schema:
    {"generator": ..., "torch": ..., "cases": [
        {"name": ..., "op": ..., "attrs": {...},
         "tensors": {"<name>": {"shape": [...], "data": [flat row-major floats]}}}]}

All values are float32 (written as the shortest decimal that round-trips to the
same float32). Tensors are converted from PyTorch to SepCNN layouts:
    activations          NHWC                (torch NCHW -> permute(0, 2, 3, 1)); rank-2 [N, F] as is
    depthwise weight     [kh, kw, C, mult]   (ours[ky, kx, c, m] = torch_w[c*mult + m, 0, ky, kx])
    conv2d weight        [kh, kw, Cin/groups, Cout]   (torch_w.permute(2, 3, 1, 0))
    pointwise weight     [Cin, Cout]         (torch_w[:, :, 0, 0].T)
    dense weight         [in, out]           (torch_w.T)
    bias, batchnorm      [C]
Padding attrs are "same" (TensorFlow semantics), "valid", or explicit [top, bottom, left, right].

Before writing, every case is re-checked with an independent NumPy implementation
that reads only the converted (SepCNN-layout) tensors.
"""

import json
import math
import os
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURE_DIR = REPO_ROOT / "Tests" / "SepCNNTests" / "Fixtures"
LAYERS_PATH = FIXTURE_DIR / "layers.json"
MODEL_PATH = FIXTURE_DIR / "model-sepcnn-example.json"
GENERATOR = "Scripts/make_fixtures.py"


# ---------------------------------------------------------------------------
# Helpers: layout conversion, padding, serialisation
# ---------------------------------------------------------------------------

def pair(v):
    return [v, v] if isinstance(v, int) else list(v)


def nhwc(x):
    """torch NCHW activation -> numpy NHWC float32."""
    return x.detach().permute(0, 2, 3, 1).contiguous().numpy().astype(np.float32)


def arr(x):
    return x.detach().contiguous().numpy().astype(np.float32)


def depthwise_weight(w, multiplier):
    """torch [C*M, 1, kh, kw] -> ours [kh, kw, C, M]."""
    cm, _, kh, kw = w.shape
    return arr(w.reshape(cm // multiplier, multiplier, kh, kw).permute(2, 3, 0, 1))


def conv_weight(w):
    """torch [Cout, Cin/groups, kh, kw] -> ours [kh, kw, Cin/groups, Cout]."""
    return arr(w.permute(2, 3, 1, 0))


def pointwise_weight(w):
    """torch [Cout, Cin, 1, 1] -> ours [Cin, Cout]."""
    return arr(w[:, :, 0, 0].t())


def resolve_padding(padding, in_hw, kernel, stride, dilation):
    """Padding attr -> explicit [top, bottom, left, right]."""
    if padding == "valid":
        return [0, 0, 0, 0]
    if padding == "same":
        pads = []
        for size, k, s, d in zip(in_hw, kernel, stride, dilation):
            out = math.ceil(size / s)
            total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
            pads += [total // 2, total - total // 2]
        return pads
    assert len(padding) == 4
    return list(padding)


def torch_pad(x, pads):
    """Zero-pad an NCHW tensor with [top, bottom, left, right]."""
    top, bottom, left, right = pads
    return F.pad(x, (left, right, top, bottom))


def to_float32_list(a):
    """Flat row-major list of Python floats, each the shortest decimal of its float32."""
    a = np.asarray(a, dtype=np.float32)
    assert np.all(np.isfinite(a)), "non-finite value in fixture"
    return [float(str(v)) for v in a.ravel()]


def tensor_json(a):
    a = np.asarray(a, dtype=np.float32)
    return {"shape": list(a.shape), "data": to_float32_list(a)}


def make_case(name, op, attrs, tensors):
    """tensors: dict name -> numpy float32 array (already in SepCNN layout)."""
    return {"name": name, "op": op, "attrs": attrs,
            "tensors": {k: tensor_json(v) for k, v in tensors.items()}}


def randomize_batchnorm(bn):
    c = bn.num_features
    with torch.no_grad():
        bn.weight.copy_(torch.rand(c) + 0.5)            # U(0.5, 1.5)
        bn.bias.copy_(torch.randn(c) * 0.5)
        bn.running_mean.copy_(torch.randn(c) * 0.5)
        bn.running_var.copy_(torch.rand(c) * 1.5 + 0.5)  # U(0.5, 2)


# ---------------------------------------------------------------------------
# Case generators (PyTorch reference)
# ---------------------------------------------------------------------------

def depthwise_case(name, n, c, h, w, kernel, stride=1, padding="valid",
                   dilation=1, multiplier=1, bias=True):
    kernel, stride, dilation = pair(kernel), pair(stride), pair(dilation)
    conv = nn.Conv2d(c, c * multiplier, kernel, stride=stride, padding=0,
                     dilation=dilation, groups=c, bias=bias)
    x = torch.randn(n, c, h, w)
    pads = resolve_padding(padding, (h, w), kernel, stride, dilation)
    y = conv(torch_pad(x, pads))
    tensors = {"input": nhwc(x), "weight": depthwise_weight(conv.weight, multiplier)}
    if bias:
        tensors["bias"] = arr(conv.bias)
    tensors["output"] = nhwc(y)
    attrs = {"kernel": kernel, "stride": stride, "padding": padding,
             "dilation": dilation, "multiplier": multiplier, "bias": bias}
    return make_case(name, "depthwise", attrs, tensors)


def conv2d_case(name, n, cin, cout, h, w, kernel, stride=1, padding="valid",
                dilation=1, groups=1, bias=True):
    kernel, stride, dilation = pair(kernel), pair(stride), pair(dilation)
    conv = nn.Conv2d(cin, cout, kernel, stride=stride, padding=0,
                     dilation=dilation, groups=groups, bias=bias)
    x = torch.randn(n, cin, h, w)
    pads = resolve_padding(padding, (h, w), kernel, stride, dilation)
    y = conv(torch_pad(x, pads))
    tensors = {"input": nhwc(x), "weight": conv_weight(conv.weight)}
    if bias:
        tensors["bias"] = arr(conv.bias)
    tensors["output"] = nhwc(y)
    attrs = {"kernel": kernel, "stride": stride, "padding": padding,
             "dilation": dilation, "groups": groups, "inputChannels": cin,
             "outputChannels": cout, "bias": bias}
    return make_case(name, "conv2d", attrs, tensors)


def pointwise_case(name, n, cin, cout, h, w, bias=True):
    conv = nn.Conv2d(cin, cout, 1, bias=bias)
    x = torch.randn(n, cin, h, w)
    y = conv(x)
    tensors = {"input": nhwc(x), "weight": pointwise_weight(conv.weight)}
    if bias:
        tensors["bias"] = arr(conv.bias)
    tensors["output"] = nhwc(y)
    attrs = {"inputChannels": cin, "outputChannels": cout, "bias": bias}
    return make_case(name, "pointwise", attrs, tensors)


def separable_case(name, n, cin, cout, h, w, kernel, stride=1, padding="valid",
                   dilation=1, multiplier=1):
    """Keras SeparableConv2D: depthwise (no bias) then pointwise (with bias)."""
    kernel, stride, dilation = pair(kernel), pair(stride), pair(dilation)
    dw = nn.Conv2d(cin, cin * multiplier, kernel, stride=stride, padding=0,
                   dilation=dilation, groups=cin, bias=False)
    pw = nn.Conv2d(cin * multiplier, cout, 1, bias=True)
    x = torch.randn(n, cin, h, w)
    pads = resolve_padding(padding, (h, w), kernel, stride, dilation)
    y = pw(dw(torch_pad(x, pads)))
    tensors = {"input": nhwc(x),
               "depthwiseWeight": depthwise_weight(dw.weight, multiplier),
               "pointwiseWeight": pointwise_weight(pw.weight),
               "bias": arr(pw.bias),
               "output": nhwc(y)}
    attrs = {"kernel": kernel, "stride": stride, "padding": padding,
             "dilation": dilation, "multiplier": multiplier,
             "outputChannels": cout, "bias": True}
    return make_case(name, "separable", attrs, tensors)


def dense_case(name, n, fin, fout):
    fc = nn.Linear(fin, fout)
    x = torch.randn(n, fin)
    y = fc(x)
    tensors = {"input": arr(x), "weight": arr(fc.weight.t()),
               "bias": arr(fc.bias), "output": arr(y)}
    return make_case(name, "dense", {"inputFeatures": fin, "outputFeatures": fout}, tensors)


def batchnorm_case(name, n, c, h, w, training, eps=1e-5, momentum=0.1):
    bn = nn.BatchNorm2d(c, eps=eps, momentum=momentum)
    randomize_batchnorm(bn)
    x = torch.randn(n, c, h, w)
    tensors = {"input": nhwc(x), "weight": arr(bn.weight), "bias": arr(bn.bias),
               "runningMean": arr(bn.running_mean), "runningVar": arr(bn.running_var)}
    bn.train(training)
    y = bn(x)
    tensors["output"] = nhwc(y)
    if training:
        tensors["newRunningMean"] = arr(bn.running_mean)
        tensors["newRunningVar"] = arr(bn.running_var)
    attrs = {"channels": c, "epsilon": eps, "momentum": momentum, "training": training}
    return make_case(name, "batchnorm", attrs, tensors)


ACTIVATIONS = {
    "relu": F.relu,
    "relu6": F.relu6,
    "hardswish": F.hardswish,
    "hardsigmoid": F.hardsigmoid,
    "sigmoid": torch.sigmoid,
    "silu": F.silu,
}

# Exact points placed at the start (NHWC order) of every activation input: the kinks of
# relu / relu6 / hard-* (-3, 0, 3, 6) and a few values around them.
ACTIVATION_SPECIAL_POINTS = [-8.0, -6.0, -3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 6.0, 8.0]


def activation_case(function, n=2, c=4, h=5, w=6):
    x_nhwc = torch.randn(n, h, w, c) * 4.0
    x_nhwc.view(-1)[:len(ACTIVATION_SPECIAL_POINTS)] = torch.tensor(ACTIVATION_SPECIAL_POINTS)
    x = x_nhwc.permute(0, 3, 1, 2)
    y = ACTIVATIONS[function](x)
    return make_case(f"act_{function}", "activation", {"function": function},
                     {"input": nhwc(x), "output": nhwc(y)})


def softmax_case(name, n, f, scale):
    x = torch.randn(n, f) * scale
    y = torch.softmax(x, dim=-1)
    return make_case(name, "softmax", {"axis": -1}, {"input": arr(x), "output": arr(y)})


def maxpool_case(name, n, c, h, w, kernel, stride, padding):
    x = torch.randn(n, c, h, w)
    y = F.max_pool2d(x, kernel, stride, padding)
    attrs = {"kernel": pair(kernel), "stride": pair(stride), "padding": [padding] * 4}
    return make_case(name, "maxpool", attrs, {"input": nhwc(x), "output": nhwc(y)})


def avgpool_case(name, n, c, h, w, kernel, stride, padding, count_include_pad):
    x = torch.randn(n, c, h, w)
    y = F.avg_pool2d(x, kernel, stride, padding, count_include_pad=count_include_pad)
    attrs = {"kernel": pair(kernel), "stride": pair(stride), "padding": [padding] * 4,
             "countIncludePad": count_include_pad}
    return make_case(name, "avgpool", attrs, {"input": nhwc(x), "output": nhwc(y)})


def globalavgpool_case(name, n, c, h, w):
    x = torch.randn(n, c, h, w)
    y = x.mean(dim=(2, 3))
    return make_case(name, "globalavgpool", {}, {"input": nhwc(x), "output": arr(y)})


# The built-in `sepcnn-example` at `resolution: 16` (the model takes 32 by default): the same
# layers with a Dense of 64*8*8 inputs, which keeps this fixture small.
MODEL_RESOLUTION = 16


class SepCNNExample(nn.Module):
    def __init__(self, resolution=MODEL_RESOLUTION):
        super().__init__()
        self.depthwise = nn.Conv2d(3, 3, 3, padding=1, groups=3)
        self.pointwise = nn.Conv2d(3, 64, 1)
        self.bn = nn.BatchNorm2d(64)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(64 * (resolution // 2) ** 2, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.bn(self.pointwise(self.depthwise(x)))))
        return self.fc(torch.flatten(x, 1))


def model_case():
    model = SepCNNExample()
    randomize_batchnorm(model.bn)
    model.eval()
    r, p = MODEL_RESOLUTION, MODEL_RESOLUTION // 2
    x = torch.randn(2, 3, r, r)
    y = model(x)
    # torch flattens (c, h, w); SepCNN flattens NHWC as (h, w, c).
    fc_w = model.fc.weight.reshape(10, 64, p, p).permute(2, 3, 1, 0).reshape(p * p * 64, 10)
    tensors = {
        "input": nhwc(x),
        "depthwise.weight": depthwise_weight(model.depthwise.weight, 1),
        "depthwise.bias": arr(model.depthwise.bias),
        "pointwise.weight": pointwise_weight(model.pointwise.weight),
        "pointwise.bias": arr(model.pointwise.bias),
        "bn.weight": arr(model.bn.weight),
        "bn.bias": arr(model.bn.bias),
        "bn.runningMean": arr(model.bn.running_mean),
        "bn.runningVar": arr(model.bn.running_var),
        "fc.weight": arr(fc_w),
        "fc.bias": arr(model.fc.bias),
        "output": arr(y),
    }
    attrs = {
        "layers": "depthwise 3x3 pad 1 (bias) -> pointwise 3->64 -> batchnorm (eval) "
                  f"-> relu -> maxpool 2 -> flatten (h,w,c) -> dense {64 * p * p}->10",
        "resolution": r,
        "bnEpsilon": model.bn.eps,
        "flattenOrder": "hwc",
    }
    return make_case("model_sepcnn_example", "model-sepcnn-example", attrs, tensors)


def layer_cases():
    cases = []
    add = cases.append

    # 1. depthwise
    add(depthwise_case("dw_k3_s1_p1", 2, 3, 6, 6, 3, 1, [1, 1, 1, 1]))
    add(depthwise_case("dw_k3_s2_p1_7x9", 2, 4, 7, 9, 3, 2, [1, 1, 1, 1]))
    add(depthwise_case("dw_k5_s1_p2", 2, 3, 8, 8, 5, 1, [2, 2, 2, 2]))
    add(depthwise_case("dw_k5_s2_valid_9x9", 2, 4, 9, 9, 5, 2, "valid"))
    add(depthwise_case("dw_k3_s1_same_nobias", 2, 3, 6, 7, 3, 1, "same", bias=False))
    add(depthwise_case("dw_k3_s2_same_8x8", 2, 3, 8, 8, 3, 2, "same"))
    add(depthwise_case("dw_k3_s2_same_7x7", 2, 5, 7, 7, 3, 2, "same"))
    add(depthwise_case("dw_k3_s1_pad_t0b2l1r0", 2, 4, 6, 6, 3, 1, [0, 2, 1, 0]))
    add(depthwise_case("dw_k3_d2_p2", 2, 3, 8, 8, 3, 1, [2, 2, 2, 2], dilation=2))
    add(depthwise_case("dw_k3_s1_p1_m2", 2, 3, 6, 6, 3, 1, [1, 1, 1, 1], multiplier=2))
    add(depthwise_case("dw_k3x5_s2x1_same_m3_b1", 1, 3, 8, 7, [3, 5], [2, 1], "same",
                       multiplier=3))
    add(depthwise_case("dw_k3_s1_valid_b3_5x7", 3, 5, 5, 7, 3, 1, "valid"))

    # 2. conv2d
    add(conv2d_case("conv_k3_s1_p1_4to6", 2, 4, 6, 6, 6, 3, 1, [1, 1, 1, 1]))
    add(conv2d_case("conv_k3_s2_same_3to5_7x7", 2, 3, 5, 7, 7, 3, 2, "same"))
    add(conv2d_case("conv_k3_p1_g2_4to6", 2, 4, 6, 6, 6, 3, 1, [1, 1, 1, 1], groups=2))
    add(conv2d_case("conv_k3_p1_g4_4to8", 2, 4, 8, 6, 6, 3, 1, [1, 1, 1, 1], groups=4))
    add(conv2d_case("conv_k1_s2_4to8_nobias", 2, 4, 8, 8, 8, 1, 2, "valid", bias=False))
    add(conv2d_case("conv_k5_d2_same_3to4", 2, 3, 4, 9, 9, 5, 1, "same", dilation=2))

    # 3. pointwise
    add(pointwise_case("pw_5to7_bias", 2, 5, 7, 5, 6, bias=True))
    add(pointwise_case("pw_4to3_nobias", 2, 4, 3, 6, 5, bias=False))

    # 4. separable
    add(separable_case("sep_k3_s1_p1_m1_4to6", 2, 4, 6, 6, 6, 3, 1, [1, 1, 1, 1]))
    add(separable_case("sep_k3_s2_same_m2_3to5_8x8", 2, 3, 5, 8, 8, 3, 2, "same", multiplier=2))

    # 5. dense
    add(dense_case("dense_7to5", 3, 7, 5))

    # 6. batchnorm
    add(batchnorm_case("bn_eval", 2, 4, 5, 6, training=False))
    add(batchnorm_case("bn_train", 2, 4, 5, 6, training=True))
    add(batchnorm_case("bn_eval_eps1e-3", 2, 3, 6, 5, training=False, eps=1e-3))

    # 7. activations
    for function in ACTIVATIONS:
        add(activation_case(function))

    # 8. softmax
    add(softmax_case("softmax_4x10", 4, 10, 1.0))
    add(softmax_case("softmax_4x10_large", 4, 10, 30.0))

    # 9. maxpool
    add(maxpool_case("maxpool_k2_s2_p0_8x8", 2, 3, 8, 8, 2, 2, 0))
    add(maxpool_case("maxpool_k3_s2_p1_7x7", 2, 3, 7, 7, 3, 2, 1))
    add(maxpool_case("maxpool_k3_s1_p1_5x6", 2, 3, 5, 6, 3, 1, 1))

    # 10. avgpool
    add(avgpool_case("avgpool_k2_s2_p0_8x8", 2, 3, 8, 8, 2, 2, 0, True))
    add(avgpool_case("avgpool_k3_s1_p1_excl_5x6", 2, 3, 5, 6, 3, 1, 1, False))
    add(avgpool_case("avgpool_k3_s2_p1_incl_7x7", 2, 3, 7, 7, 3, 2, 1, True))

    # 11. global average pool
    add(globalavgpool_case("gap_6x7", 2, 5, 6, 7))

    return cases


# ---------------------------------------------------------------------------
# Independent NumPy check, reading only the SepCNN-layout tensors from the JSON
# ---------------------------------------------------------------------------

def load(t):
    return np.asarray(t["data"], dtype=np.float64).reshape(t["shape"])


def np_windows(x, kernel, stride, dilation, pads, fill=0.0):
    """Yield (ky, kx, patch) with patch[n, oy, ox, c] = padded x at the tap (ky, kx)."""
    top, bottom, left, right = pads
    x = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)), constant_values=fill)
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    oh = (x.shape[1] - (kh - 1) * dh - 1) // sh + 1
    ow = (x.shape[2] - (kw - 1) * dw - 1) // sw + 1
    for ky in range(kh):
        for kx in range(kw):
            y0, x0 = ky * dh, kx * dw
            yield ky, kx, x[:, y0:y0 + (oh - 1) * sh + 1:sh, x0:x0 + (ow - 1) * sw + 1:sw, :]


def np_depthwise(x, w, kernel, stride, dilation, pads):
    """NHWC depthwise conv, w = [kh, kw, C, M]; output channel c*M + m."""
    n, _, _, c = x.shape
    out = None
    for ky, kx, patch in np_windows(x, kernel, stride, dilation, pads):
        term = patch[..., :, None] * w[ky, kx]          # [N, oh, ow, C, M]
        out = term if out is None else out + term
    return out.reshape(out.shape[0], out.shape[1], out.shape[2], -1)


def np_conv2d(x, w, kernel, stride, dilation, pads, groups):
    """NHWC grouped conv, w = [kh, kw, Cin/groups, Cout]."""
    cin_g, cout = w.shape[2], w.shape[3]
    cout_g = cout // groups
    out = None
    for ky, kx, patch in np_windows(x, kernel, stride, dilation, pads):
        parts = [patch[..., g * cin_g:(g + 1) * cin_g] @ w[ky, kx, :, g * cout_g:(g + 1) * cout_g]
                 for g in range(groups)]
        term = np.concatenate(parts, axis=-1)
        out = term if out is None else out + term
    return out


def np_pool(x, kernel, stride, pads, mode, count_include_pad=True):
    one = (1, 1)
    if mode == "max":
        return np.max([p for _, _, p in np_windows(x, kernel, stride, one, pads, -np.inf)], axis=0)
    total = np.sum([p for _, _, p in np_windows(x, kernel, stride, one, pads)], axis=0)
    if count_include_pad:
        return total / (kernel[0] * kernel[1])
    count = np.sum([p for _, _, p in np_windows(np.ones_like(x), kernel, stride, one, pads)], axis=0)
    return total / count


def np_batchnorm(x, g, b, mean, var, eps):
    return (x - mean) / np.sqrt(var + eps) * g + b


def np_activation(function, x):
    sig = 1.0 / (1.0 + np.exp(-x))
    return {
        "relu": np.maximum(x, 0),
        "relu6": np.clip(x, 0, 6),
        "hardswish": x * np.clip(x + 3, 0, 6) / 6,
        "hardsigmoid": np.clip(x + 3, 0, 6) / 6,
        "sigmoid": sig,
        "silu": x * sig,
    }[function]


def np_reference(case):
    """Recompute a case's output(s) from its converted tensors."""
    op, a = case["op"], case["attrs"]
    t = {k: load(v) for k, v in case["tensors"].items()}
    x = t["input"]
    if op in ("depthwise", "conv2d", "separable"):
        pads = resolve_padding(a["padding"], x.shape[1:3], a["kernel"], a["stride"], a["dilation"])
    if op == "depthwise":
        y = np_depthwise(x, t["weight"], a["kernel"], a["stride"], a["dilation"], pads)
        return {"output": y + t["bias"] if a["bias"] else y}
    if op == "conv2d":
        y = np_conv2d(x, t["weight"], a["kernel"], a["stride"], a["dilation"], pads, a["groups"])
        return {"output": y + t["bias"] if a["bias"] else y}
    if op == "pointwise":
        y = x @ t["weight"]
        return {"output": y + t["bias"] if a["bias"] else y}
    if op == "separable":
        y = np_depthwise(x, t["depthwiseWeight"], a["kernel"], a["stride"], a["dilation"], pads)
        return {"output": y @ t["pointwiseWeight"] + t["bias"]}
    if op == "dense":
        return {"output": x @ t["weight"] + t["bias"]}
    if op == "batchnorm":
        eps, m = a["epsilon"], a["momentum"]
        if not a["training"]:
            return {"output": np_batchnorm(x, t["weight"], t["bias"], t["runningMean"],
                                           t["runningVar"], eps)}
        count = x.shape[0] * x.shape[1] * x.shape[2]
        mean, var = x.mean(axis=(0, 1, 2)), x.var(axis=(0, 1, 2))
        return {"output": np_batchnorm(x, t["weight"], t["bias"], mean, var, eps),
                "newRunningMean": (1 - m) * t["runningMean"] + m * mean,
                "newRunningVar": (1 - m) * t["runningVar"] + m * var * count / (count - 1)}
    if op == "activation":
        return {"output": np_activation(a["function"], x)}
    if op == "softmax":
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        return {"output": e / e.sum(axis=-1, keepdims=True)}
    if op == "maxpool":
        return {"output": np_pool(x, a["kernel"], a["stride"], a["padding"], "max")}
    if op == "avgpool":
        return {"output": np_pool(x, a["kernel"], a["stride"], a["padding"], "avg",
                                  a["countIncludePad"])}
    if op == "globalavgpool":
        return {"output": x.mean(axis=(1, 2))}
    if op == "model-sepcnn-example":
        y = np_depthwise(x, t["depthwise.weight"], (3, 3), (1, 1), (1, 1), [1, 1, 1, 1])
        y = y + t["depthwise.bias"]
        y = y @ t["pointwise.weight"] + t["pointwise.bias"]
        y = np_batchnorm(y, t["bn.weight"], t["bn.bias"], t["bn.runningMean"],
                         t["bn.runningVar"], a["bnEpsilon"])
        y = np_pool(np.maximum(y, 0), (2, 2), (2, 2), [0, 0, 0, 0], "max")
        y = y.reshape(y.shape[0], -1)                     # (h, w, c) order
        return {"output": y @ t["fc.weight"] + t["fc.bias"]}
    raise ValueError(f"unknown op {op}")


def verify(cases, tol=1e-5):
    for case in cases:
        # The model's dense layer accumulates thousands of float32 products inside torch.
        atol = 1e-4 if case["op"] == "model-sepcnn-example" else tol
        for key, ref in np_reference(case).items():
            got = load(case["tensors"][key])
            assert got.shape == ref.shape, (case["name"], key, got.shape, ref.shape)
            err = np.max(np.abs(got - ref))
            assert np.allclose(got, ref, rtol=tol, atol=atol), (case["name"], key, err)


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------

def write_fixture(path, cases):
    """One case per line: compact, but diffs stay readable per case."""
    header = {"generator": GENERATOR, "torch": torch.__version__}
    head = json.dumps(header, separators=(",", ":"))[:-1]
    body = ",\n".join(json.dumps(c, separators=(",", ":"), allow_nan=False) for c in cases)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'{head},"cases":[\n{body}\n]}}\n')
    # Round-trip: what is on disk parses back to the same cases.
    assert json.loads(path.read_text())["cases"] == cases
    return os.path.getsize(path)


def main():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    torch.set_grad_enabled(False)

    layers = layer_cases()
    model = [model_case()]

    names = [c["name"] for c in layers + model]
    assert len(names) == len(set(names)), "case names must be unique"

    verify(layers + model)

    layers_size = write_fixture(LAYERS_PATH, layers)
    model_size = write_fixture(MODEL_PATH, model)
    print(f"{LAYERS_PATH.relative_to(REPO_ROOT)}: {len(layers)} cases, {layers_size} bytes")
    print(f"{MODEL_PATH.relative_to(REPO_ROOT)}: {len(model)} case, {model_size} bytes")
    print("all cases verified against NumPy (SepCNN layouts)")


if __name__ == "__main__":
    main()

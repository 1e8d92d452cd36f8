// swift-tools-version: 6.0
// SepCNN's side of the paired Fashion-MNIST run (see Scripts/pytorch_fashion_reference.py --paired).
// A measuring tool, outside the library and never built by CI:
//     swift run -c release -Xcc -march=native paired-training INIT.safetensors ORDER.bin MODEL
import PackageDescription

let package = Package(
    name: "PairedTraining",
    dependencies: [.package(path: "../..")],
    targets: [.executableTarget(name: "paired-training", dependencies: [.product(name: "SepCNN", package: "main")])])

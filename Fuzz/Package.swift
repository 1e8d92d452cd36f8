// swift-tools-version: 6.0
import PackageDescription

// libFuzzer target for the ONNX parser and importer; see README.md. Not part of the main package,
// so `swift build` and `swift test` there never build it.
let package = Package(
    name: "SepCNNFuzz",
    dependencies: [.package(name: "SepCNN", path: "..")],
    targets: [
        .target(name: "FuzzerEntry"),
        .executableTarget(name: "ONNXFuzzer", dependencies: ["FuzzerEntry", .product(name: "SepCNN", package: "SepCNN")]),
    ]
)

// swift-tools-version: 6.0
import PackageDescription

// libFuzzer targets for SepCNN's parsers; see README.md. Not part of the main package, so
// `swift build` and `swift test` there never build it.
let fuzzers = ["ONNXFuzzer", "SafetensorsFuzzer", "ImageFuzzer", "GzipFuzzer", "IDXFuzzer", "CIFARFuzzer", "CheckpointFuzzer", "ArchitectureFuzzer"]

let package = Package(
    name: "SepCNNFuzz",
    dependencies: [.package(name: "SepCNN", path: "..")],
    targets: [.target(name: "FuzzerEntry")] + fuzzers.map { name in
        .executableTarget(name: name, dependencies: ["FuzzerEntry", .product(name: "SepCNN", package: "SepCNN")])
    }
)

// swift-tools-version: 6.0
import PackageDescription

// The library carries no unsafeFlags so that other packages can depend on it by version.
// The instruction set is chosen by the final build's command line instead:
//   swift build -c release -Xcc -march=native     (AVX-512 on the project machine)
// CPUFeatures turns the compiler's target macros into constants the Swift kernels branch on.
let package = Package(
    name: "SepCNN",
    products: [
        .library(name: "SepCNN", targets: ["SepCNN"]),
        .executable(name: "sepcnn", targets: ["SepCNNCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.28.0"),
        // Only a command plugin (`swift package generate-documentation`): no target depends on it, so it changes
        // nothing the library builds.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .target(name: "CPUFeatures"),
        // The Fashion-MNIST test set (MIT, see its LICENSE) ships inside the library for examples and tests.
        .target(
            name: "SepCNN",
            dependencies: ["CPUFeatures", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            resources: [.copy("Resources/fashion-mnist")],
            // Lets Kernels/VNNI.swift reach vpdpbusd and vpermb (Docs/int8-kernels.md). Not an unsafe flag:
            // the package still builds as a dependency of another one.
            swiftSettings: [.enableExperimentalFeature("BuiltinModule")]),
        .executableTarget(
            name: "SepCNNCLI",
            dependencies: ["SepCNN", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/sepcnn"),
        .testTarget(
            name: "SepCNNTests",
            dependencies: ["SepCNN"],
            exclude: ["Fixtures"]),
    ]
)

#!/bin/sh
# Regenerates Sources/SepCNN/Interop/ONNX/Generated/onnx.pb.swift from the onnx.proto that ships
# with the `onnx` Python package. Run by hand when updating the ONNX schema; the build never runs protoc.
#
# Needs: protoc (apt-get install -y protobuf-compiler), pip install onnx, and protoc-gen-swift built
# from swift-protobuf at the version Package.swift resolves (1.39.0), outside this repository:
#   git clone --branch 1.39.0 https://github.com/apple/swift-protobuf /tmp/swift-protobuf-gen
#   (cd /tmp/swift-protobuf-gen && swift build -c release --product protoc-gen-swift)
set -eu
PLUGIN=${PROTOC_GEN_SWIFT:-/tmp/swift-protobuf-gen/.build/release/protoc-gen-swift}
ONNX_DIR=$(python3 -c "import onnx, os; print(os.path.dirname(onnx.__file__))")
ONNX_VERSION=$(python3 -c "import onnx; print(onnx.__version__)")
OUT=Sources/SepCNN/Interop/ONNX/Generated
WORK=$(mktemp -d)
cp "$ONNX_DIR/onnx.proto" "$WORK/onnx.proto"
protoc --plugin=protoc-gen-swift="$PLUGIN" --swift_opt=Visibility=Internal --swift_out="$WORK" -I "$WORK" "$WORK/onnx.proto"
{
    echo "// Generated from onnx.proto of the onnx Python package $ONNX_VERSION (IR_VERSION 14 schema, proto package onnx)"
    echo "// by Scripts/generate_onnx_proto.sh with protoc $(protoc --version | cut -d' ' -f2) and protoc-gen-swift 1.39.0."
    echo "// Do not edit; regenerate instead."
    echo
    cat "$WORK/onnx.pb.swift"
} > "$OUT/onnx.pb.swift"
rm -rf "$WORK"
echo "wrote $OUT/onnx.pb.swift"

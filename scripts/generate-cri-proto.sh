#!/usr/bin/env bash
# Regenerates Sources/CRIClient/Generated from proto/cri_runtime_v1.proto with
# protoc (Debian's protobuf-compiler) and the swift-protobuf and grpc-swift-2 plugins,
# built from the package's own resolved dependencies. Run by hand after editing the
# proto and commit the result: nothing runs protoc at build time.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v protoc >/dev/null || { apt-get update -qq && apt-get install -y -qq protobuf-compiler; }
swift build --product protoc-gen-swift
swift build --product protoc-gen-grpc-swift-2
bin=$(swift build --show-bin-path)

out=Sources/CRIClient/Generated
rm -f "$out"/*.swift
mkdir -p "$out"
protoc --proto_path=proto \
    --plugin=protoc-gen-swift="$bin/protoc-gen-swift" \
    --plugin=protoc-gen-grpc-swift="$bin/protoc-gen-grpc-swift-2" \
    --swift_out="$out" --swift_opt=Visibility=Public \
    --grpc-swift_out="$out" --grpc-swift_opt=Visibility=Public,Server=false,Client=true \
    cri_runtime_v1.proto
wc -c "$out"/*.swift

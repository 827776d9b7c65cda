#!/usr/bin/env bash
# Regenerates Sources/CRIClient/Generated from proto/cri_runtime_v1.proto with
# protoc (Debian's protobuf-compiler) and swift-protobuf's plugin, built from the package's
# own resolved dependency. Only the messages are generated: CRIClient makes the calls itself
# on the gRPC C core, by method path. Run by hand after editing the proto and commit the
# result: nothing runs protoc at build time.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v protoc >/dev/null || { apt-get update -qq && apt-get install -y -qq protobuf-compiler; }
swift build --product protoc-gen-swift
bin=$(swift build --show-bin-path)

out=Sources/CRIClient/Generated
rm -f "$out"/*.swift
mkdir -p "$out"
protoc --proto_path=proto \
    --plugin=protoc-gen-swift="$bin/protoc-gen-swift" \
    --swift_out="$out" --swift_opt=Visibility=Public \
    cri_runtime_v1.proto
wc -c "$out"/*.swift

#!/usr/bin/env bash
# Regenerates runtime/Sources/TaskAPI/Generated: the messages of containerd 1.6's shim v2 task
# API, its task events, the ttrpc events service and cgroup v1 metrics. (ttrpc's own envelope,
# three small messages, is encoded by hand in WasmShimSupport/TTRPC.) The .proto files are containerd 1.6's own, as Debian ships them
# in golang-github-containerd-containerd-dev and golang-github-containerd-cgroups-dev; their
# gogoproto options (Go code generation only) are stripped on the way. Only messages are
# generated: the shim serves and calls methods itself, by name. Run by hand and commit the
# result: nothing runs protoc at build time.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v protoc >/dev/null || { apt-get update -qq && apt-get install -y -qq protobuf-compiler; }
gocode=/usr/share/gocode/src/github.com/containerd
[ -f "$gocode/containerd/runtime/v2/task/shim.proto" ] && [ -f "$gocode/cgroups/stats/v1/metrics.proto" ] || {
    apt-get update -qq
    apt-get install -y -qq golang-github-containerd-containerd-dev golang-github-containerd-cgroups-dev
}
swift build --product protoc-gen-swift
plugin="$(swift build --show-bin-path)/protoc-gen-swift"

sources=(
    containerd/runtime/v2/task/shim.proto
    containerd/api/types/mount.proto
    containerd/api/types/task/task.proto
    containerd/api/events/task.proto
    containerd/api/services/ttrpc/events/v1/events.proto
    cgroups/stats/v1/metrics.proto
)
staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
for source in "${sources[@]}"; do
    mkdir -p "$staging/github.com/containerd/$(dirname "$source")"
    python3 - "$gocode/$source" "$staging/github.com/containerd/$source" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
text = re.sub(r'^import (weak )?"(gogoproto/gogo|github.com/containerd/containerd/protobuf/plugin/fieldpath)\.proto";\n',
              '', text, flags=re.M)
text = re.sub(r'^\s*option \((gogoproto|containerd\.plugin)\.[^;]*;\n', '', text, flags=re.M)
text = re.sub(r'\s*\[\s*\(gogoproto\.[^\]]*\]', '', text)
open(sys.argv[2], 'w').write(text)
PY
done

out=runtime/Sources/TaskAPI/Generated
rm -f "$out"/*.swift
mkdir -p "$out"
(cd "$staging" && protoc --proto_path=. --plugin=protoc-gen-swift="$plugin" \
    --swift_out="$OLDPWD/$out" --swift_opt=Visibility=Public --swift_opt=FileNaming=PathToUnderscores \
    $(printf 'github.com/containerd/%s ' "${sources[@]}"))
wc -c "$out"/*.swift

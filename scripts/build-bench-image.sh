#!/usr/bin/env bash
# Builds the bench container image offline from the release binary and pushes it to the local
# registry as $CRIBENCH_REGISTRY/cribench/bench:dev: bench (Swift's standard library and
# Foundation linked statically, stripped) plus exactly the shared libraries ldd names (glibc,
# the gRPC C core and libcurl with their dependencies), HOME=/tmp, nothing else: no shell.
# Run after scripts/start-containerd.sh (it needs the registry, umoci and skopeo).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$CRIBENCH_REPO_DIR"

missing=()
dpkg -s libcurl4-openssl-dev >/dev/null 2>&1 || missing+=(libcurl4-openssl-dev)
dpkg -s libgrpc-dev >/dev/null 2>&1 || missing+=(libgrpc-dev)
if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

log "building bench (release, static Swift runtime)"
# A build folder of its own: the nightly's release build (dynamic Swift runtime) shares
# .build/release and would make each of the two relink the other's (198 s seen).
scratch=(--scratch-path .build-static)
swift build "${scratch[@]}" -c release --product bench --static-swift-stdlib 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' >&2
binary=$(swift build "${scratch[@]}" -c release --show-bin-path)/bench

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root/tmp" && chmod 1777 "$root/tmp"
strip -o "$root/bench" "$binary"
# Every shared library the binary loads, at the path it loads it from, and the loader.
ldd "$binary" | awk '/=> \// { print $3 } /^\t\/.*ld-linux/ { print $1 }' | sort -u | while read -r library; do
    mkdir -p "$root$(dirname "$library")"
    cp -L "$library" "$root$library"
done
size=$(du -sb "$root" | cut -f1)
push_rootfs_image "$CRIBENCH_REGISTRY/cribench/bench:dev" "$root" \
    --config.entrypoint /bench --config.env HOME=/tmp --config.label io.cribench.kind=bench
log "pushed $CRIBENCH_REGISTRY/cribench/bench:dev ($((size / 1048576)) MiB unpacked)"

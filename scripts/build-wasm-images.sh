#!/usr/bin/env bash
# Builds CRIBench's wasm images offline from the sources in images/wasm and pushes them to the
# local registry: one plain OCI manifest each (not an index: containerd 1.6 rejects an index
# whose only platform is wasi/wasm), config os wasi, architecture wasm, one layer holding the
# module, entrypoint naming it. C is compiled with Debian's clang-19 and wasi-libc, WAT is
# assembled with Debian's wabt. Rebuilds only when the sources changed.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

sources=$CRIBENCH_REPO_DIR/images/wasm
stamp=$CRIBENCH_STATE_DIR/wasm-images.sha256
digest=$(cat "$sources"/* "$0" | sha256sum | cut -d' ' -f1)
modules=$CRIBENCH_STATE_DIR/wasm-modules
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$digest" ] && [ -f "$modules/wasi_example_main.wasm" ] \
    && image_in_registry "$CRIBENCH_REGISTRY/cribench/wasm-fileprobe-link:1"; then
    exit 0
fi

missing=()
command -v clang-19 >/dev/null || missing+=(clang-19)
command -v wasm-ld-19 >/dev/null || missing+=(lld-19)
[ -d /usr/include/wasm32-wasi ] || missing+=(wasi-libc)
dpkg -s libclang-rt-19-dev-wasm32 >/dev/null 2>&1 || missing+=(libclang-rt-19-dev-wasm32)
command -v wat2wasm >/dev/null || missing+=(wabt)
if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# push_module NAME MODULE_FILE [extra files as SRC:DEST ...]
push_module() {
    local name=$1 module=$2; shift 2
    local root=$work/root-$name
    mkdir -p "$root"
    cp "$module" "$root/$name.wasm"
    local extra
    for extra in "$@"; do
        mkdir -p "$root/$(dirname "${extra#*:}")"
        cp "${extra%%:*}" "$root/${extra#*:}"
    done
    push_rootfs_image "$CRIBENCH_REGISTRY/cribench/wasm-$name:1" "$root" \
        --os wasi --architecture wasm --config.entrypoint "/$name.wasm" \
        --config.label io.cribench.kind=wasm
}

log "building wasm images"
for program in wasi-example idle exit-code spin memory-hog fileprobe; do
    clang-19 --target=wasm32-wasi -O2 -o "$work/$program.wasm" "$sources/$program.c"
done
for module in trap hello loop-start; do
    wat2wasm -o "$work/$module.wasm" "$sources/$module.wat"
done
# Valid magic and version, then text: a module the runtime must reject as invalid.
{ printf '\0asm\1\0\0\0'; cat "$sources/not-wasm.txt"; } > "$work/invalid.wasm"

push_module wasi-example "$work/wasi-example.wasm" "$sources/message.txt:data/message.txt"
for module in idle exit-code spin memory-hog trap hello invalid loop-start; do
    push_module "$module" "$work/$module.wasm"
done

# Isolation probes. fileprobe ships a character device node (c 1 11, the host's /dev/kmsg on
# Linux) in its layer: a container must not be able to open it, as runc's would not.
mkdir -p "$work/root-fileprobe-device"
cp "$work/fileprobe.wasm" "$work/root-fileprobe-device/fileprobe.wasm"
mknod "$work/root-fileprobe-device/kmsg" c 1 11
push_rootfs_image "$CRIBENCH_REGISTRY/cribench/wasm-fileprobe:1" "$work/root-fileprobe-device" \
    --os wasi --architecture wasm --config.entrypoint "/fileprobe.wasm" --config.label io.cribench.kind=wasm
# An entrypoint that is a symlink to an absolute path: it means that path inside the rootfs
# (where nothing is), never the host's file, which CRIBench plants there for the test.
mkdir -p "$CRIBENCH_STATE_DIR/host-probe" "$work/root-symlink"
cp "$work/hello.wasm" "$CRIBENCH_STATE_DIR/host-probe/hello.wasm"
ln -s "$CRIBENCH_STATE_DIR/host-probe/hello.wasm" "$work/root-symlink/entry.wasm"
push_rootfs_image "$CRIBENCH_REGISTRY/cribench/wasm-symlink:1" "$work/root-symlink" \
    --os wasi --architecture wasm --config.entrypoint "/entry.wasm" --config.label io.cribench.kind=wasm
# A mount destination reached through the image's own symlink: /data links to an absolute
# path that exists on the host (planted here, empty) and inside the image. A volume mounted at
# /data/volume must land inside the rootfs, never in the host's directory of that name.
link_target=$CRIBENCH_STATE_DIR/host-probe/mount-target
install -d -m 0755 "$CRIBENCH_STATE_DIR/host-probe" "$work/root-fileprobe-link$link_target"
rm -rf "$link_target" && install -d -m 0755 "$link_target"
cp "$work/fileprobe.wasm" "$work/root-fileprobe-link/fileprobe.wasm"
ln -s "$link_target" "$work/root-fileprobe-link/data"
push_rootfs_image "$CRIBENCH_REGISTRY/cribench/wasm-fileprobe-link:1" "$work/root-fileprobe-link" \
    --os wasi --architecture wasm --config.entrypoint "/fileprobe.wasm" --config.label io.cribench.kind=wasm
# The OCI twin of the wasi example: the same C source built for Linux (static, glibc), with the
# same data file, so examples/pair-*.yaml compare one program under runc and under wasm.
mkdir -p "$work/root-native/data"
gcc -static -O2 -o "$work/root-native/wasi-example" "$sources/wasi-example.c"
cp "$sources/message.txt" "$work/root-native/data/message.txt"
push_rootfs_image "$CRIBENCH_REGISTRY/cribench/wasi-example-native:1" "$work/root-native" \
    --config.entrypoint "/wasi-example" --config.label io.cribench.kind=oci

# The bare modules too, for what names a module by URL (bench pod's wasm.module.url, the
# wasm fork's form): tests and examples serve them from here. wasi_example_main.wasm is the name
# the design notes' Pod sketch fetches.
rm -rf "$modules" && mkdir -p "$modules"
for module in idle exit-code hello trap spin; do cp "$work/$module.wasm" "$modules/$module.wasm"; done
cp "$work/wasi-example.wasm" "$modules/wasi_example_main.wasm"
cp "$work/invalid.wasm" "$modules/invalid.wasm"
echo "$digest" > "$stamp"

# Shared settings and helpers for CRIBench's runtime scripts. Sourced, not run.
# Every path the scripts touch hangs off CRIBENCH_STATE_DIR so that stop can undo it.

CRIBENCH_STATE_DIR=${CRIBENCH_STATE_DIR:-/var/lib/cribench}
CRIBENCH_SOCKET=${CRIBENCH_SOCKET:-$CRIBENCH_STATE_DIR/run/containerd.sock}
CRIBENCH_REGISTRY=${CRIBENCH_REGISTRY:-127.0.0.1:5000}
CRIBENCH_CGROUP_PARENT=${CRIBENCH_CGROUP_PARENT:-/cribench}
CRIBENCH_BRIDGE=${CRIBENCH_BRIDGE:-cribench0}
CRIBENCH_CNI_NETWORK=cribench
CRIBENCH_SUBNET=${CRIBENCH_SUBNET:-10.88.0.0/16}
CRIBENCH_PAUSE_IMAGE=$CRIBENCH_REGISTRY/cribench/pause:3.9
CRIBENCH_BUSYBOX_IMAGE=$CRIBENCH_REGISTRY/cribench/busybox:1.35
CRIBENCH_IMAGETEST_IMAGE=$CRIBENCH_REGISTRY/cribench/busybox-imagetest:1.35
CRIBENCH_WASM_RUNTIME=${CRIBENCH_WASM_RUNTIME:-/usr/local/bin/wasm-runc}

CRIBENCH_RUN_DIR=$CRIBENCH_STATE_DIR/run
CRIBENCH_LOG_DIR=$CRIBENCH_STATE_DIR/log
CRIBENCH_REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

log() { printf '[cribench] %s\n' "$*" >&2; }
die() { printf '[cribench] error: %s\n' "$*" >&2; exit 1; }

# Under `set -e` a failing command would otherwise end a script without a word.
trap 'log "error: \"$BASH_COMMAND\" failed (exit $?) at ${BASH_SOURCE[0]##*/}:$LINENO"' ERR

# pid_alive FILE: true when FILE names a live process.
pid_alive() {
    [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

# wait_until SECONDS COMMAND...: polls COMMAND every 0.2 s until it succeeds.
wait_until() {
    local deadline=$((SECONDS + $1)); shift
    until "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.2
    done
}

registry_up() { curl -fs "http://$CRIBENCH_REGISTRY/v2/" >/dev/null; }
cri_up() { ctr --address "$CRIBENCH_SOCKET" plugins ls 2>/dev/null | grep -q 'io.containerd.grpc.v1.*cri.*ok'; }

# image_in_registry NAME:TAG
image_in_registry() {
    local ref=${1#"$CRIBENCH_REGISTRY"/}
    curl -fs -o /dev/null -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
        "http://$CRIBENCH_REGISTRY/v2/${ref%:*}/manifests/${ref##*:}"
}

# push_rootfs_image REF ROOTFS_DIR [umoci config flags...]: one-layer image from a directory.
push_rootfs_image() {
    local ref=$1 rootfs=$2; shift 2
    local work; work=$(mktemp -d)
    umoci init --layout "$work/layout"
    umoci new --image "$work/layout:img"
    umoci unpack --image "$work/layout:img" "$work/bundle" >/dev/null
    cp -a "$rootfs"/. "$work/bundle/rootfs/"
    umoci repack --image "$work/layout:img" "$work/bundle" >/dev/null
    umoci config --image "$work/layout:img" "$@"
    skopeo copy --quiet --dest-tls-verify=false "oci:$work/layout:img" "docker://$ref"
    rm -rf "$work"
}

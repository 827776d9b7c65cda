#!/usr/bin/env bash
# Builds wasm-runc (runtime/) in release with the Swift standard library linked statically,
# and CRIBench's wasm shim beside it, and installs them where containerd finds them: wasm-runc
# for the `wasm` handler; for the `wasm-shim` handler the launcher containerd runs
# (containerd-shim-cribench-wasm-v1, in containerd's PATH) and the serving shim it starts
# (cribench-wasm-shim-server), whose instances start from the wasm-runc in the same directory.
# Incremental: a second run with unchanged sources takes seconds and leaves the binaries alone.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

cd "$CRIBENCH_REPO_DIR/runtime"
log "building wasm-runc and the wasm shim (release; the first build takes several minutes)"
for product in wasm-runc "$CRIBENCH_WASM_SHIM_BINARY" "$CRIBENCH_WASM_SHIM_SERVER"; do
    swift build -c release --product "$product" 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' >&2 || {
        die "building $product failed (see above)"
    }
done
bin="$(swift build -c release --show-bin-path)"
directory=$(dirname "$CRIBENCH_WASM_RUNTIME")
for pair in "wasm-runc:$CRIBENCH_WASM_RUNTIME" "$CRIBENCH_WASM_SHIM_BINARY:$directory/$CRIBENCH_WASM_SHIM_BINARY" \
    "$CRIBENCH_WASM_SHIM_SERVER:$directory/$CRIBENCH_WASM_SHIM_SERVER"; do
    built="$bin/${pair%%:*}" target="${pair#*:}"
    if ! cmp -s "$built" "$target"; then
        install -D -m 0755 "$built" "$target.new"
        mv -f "$target.new" "$target"
        log "installed $target"
    fi
done

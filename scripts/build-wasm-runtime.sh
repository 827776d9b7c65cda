#!/usr/bin/env bash
# Builds wasm-runc (runtime/) in release with the Swift standard library linked statically,
# and installs it where containerd's `wasm` handler finds it. Incremental: a second run with
# unchanged sources takes seconds and leaves the installed binary alone.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

cd "$CRIBENCH_REPO_DIR/runtime"
log "building wasm-runc (release; the first build takes several minutes)"
swift build -c release --product wasm-runc 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' >&2 || {
    die "building wasm-runc failed (see above)"
}
built="$(swift build -c release --show-bin-path)/wasm-runc"
if ! cmp -s "$built" "$CRIBENCH_WASM_RUNTIME"; then
    install -D -m 0755 "$built" "$CRIBENCH_WASM_RUNTIME"
    log "installed $CRIBENCH_WASM_RUNTIME"
fi

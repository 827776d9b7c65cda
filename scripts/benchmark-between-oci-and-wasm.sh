#!/usr/bin/env bash
# The nightly job: how wasm modules compare with OCI images on CRIBench's runtime, per CRI
# operation, and whether anything got slower.
#
#   scripts/benchmark-between-oci-and-wasm.sh [bench run flags...]
#
# Brings the runtime up if needed (and stops it again if it started it), builds `bench` in
# release, runs the full comparison (image, pod, container, end-to-end and reads flows; three
# sides interleaved: OCI under runc, wasm under the wasm handler (containerd's runc shim) and
# wasm under wasm-shim (CRIBench's own shim); CRIBENCH_NIGHTLY_SIDES="NAME=HANDLER ..." picks
# others, "" the two default sides of bench run), writes results/RUN/, and gates the
# run against this machine's own history (CRIBENCH_HISTORY_DIR, default
# ~/.local/state/cribench/history/<machine fingerprint>/): on a machine with no history it
# records the run as the first baseline and passes; afterwards it exits non-zero, naming the
# operations, when one moved beyond its tolerance against the machine's last runs (learned
# per op from the history's own spread, --threshold 1.3x until 3 runs). results/baseline.json, recorded on another machine, is shown
# in summary.md as a reference, never as the verdict. Reset a machine's history by removing
# its directory. Extra flags go to `bench run` (e.g. --samples 50, --threshold 1.1).
# Then a small scale point (`bench scale`: 20 pods alive at once, 20 pods churned 4 at a
# time, about 40 s), whose startup latencies are gated against a history of their own
# (HISTORY-scale); CRIBENCH_NIGHTLY_SCALE=0 skips it. Its startup gate is 1.5x, not 1.3x: 20
# pods at P=4 saturate a 2-vCPU machine, and identical runs moved 1.26x and 1.37x there.
# With CRIBENCH_AB=A:B (two handlers) it runs `bench ab --a A --b B` instead: B against A,
# interleaved in one run, for runners that are a new machine every night; extra flags then go
# to `bench ab`.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$CRIBENCH_REPO_DIR"

started=0
finish() {
    local code=$?
    if [ "$started" = 1 ]; then scripts/stop-containerd.sh || true; fi
    exit "$code"
}
trap finish EXIT
# bench handles Ctrl-C itself (cleanup, partial results, exit 130); the script waits for it.
trap '' INT

owned_pid "$CRIBENCH_RUN_DIR/containerd.pid" "$CONTAINERD_CMDLINE" && cri_up || started=1
scripts/start-containerd.sh >/dev/null

log "building bench in release (figures come from release builds only)"
swift build -c release --product bench 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' >&2
bench="$(swift build -c release --show-bin-path)/bench"

export CONTAINER_RUNTIME_ENDPOINT="unix://$CRIBENCH_SOCKET"
# On a runner that is a new machine every night, no history can judge: CRIBENCH_AB=A:B measures
# handler B against handler A interleaved in one run, and bench ab gives the verdict.
if [ -n "${CRIBENCH_AB:-}" ]; then
    [[ "$CRIBENCH_AB" =~ ^([a-z0-9-]+):([a-z0-9-]+)$ ]] || die "CRIBENCH_AB='$CRIBENCH_AB' is not REFERENCE:CANDIDATE (two handler names)"
    "$bench" ab --a "${BASH_REMATCH[1]}" --b "${BASH_REMATCH[2]}" --results-dir results "$@"
    exit
fi
history=${CRIBENCH_HISTORY_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/cribench/history}
reference=()
[ -f results/baseline.json ] && reference=(--baseline results/baseline.json)
sides=()
for side in ${CRIBENCH_NIGHTLY_SIDES-oci=runc wasm=wasm wasm-shim=wasm-shim}; do sides+=(--side "$side"); done
# 40 samples per side keep each median within the gate's tolerance on a 2-CPU VM (20 did not:
# ops of a few ms with a long tail moved by 1.3x between runs); later flags override these.
"$bench" run --samples 40 --results-dir results "${sides[@]}" \
    --history "$history" "${reference[@]}" "$@"
if [ "${CRIBENCH_NIGHTLY_SCALE:-1}" != 0 ]; then
    "$bench" scale --pods 20 --churn-pods 20 --parallel 4 "${sides[@]}" \
        --threshold 1.5 --min-tolerance 1.5 --results-dir results --history "$history-scale"
fi

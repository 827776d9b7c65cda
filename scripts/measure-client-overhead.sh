#!/usr/bin/env bash
# How much CRIBench's client adds to a CRI call, against the gRPC C core used directly.
#
#   scripts/measure-client-overhead.sh [ROUNDS] [CALLS] [PAUSE_MS]
#
# Alternates, ROUNDS times (default 3) on the same socket, tools/yardstick/null-call.c (a small
# C program on Debian's libgrpc-dev with nothing of CRIBench's in it) and `bench overhead`:
# each times CALLS Version calls (default 200) back to back and CALLS more each after PAUSE_MS
# of idle (default 20), and prints p50/p99. Needs the runtime up (scripts/start-containerd.sh)
# and a release build of bench.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$CRIBENCH_REPO_DIR"
rounds=${1:-3} calls=${2:-200} pause_ms=${3:-20}

cri_up || die "the runtime on $CRIBENCH_SOCKET is not up; run scripts/start-containerd.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc -O2 -Wall -o "$work/null-call" tools/yardstick/null-call.c -lgrpc -lgpr
swift build -c release --product bench 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' >&2
bench="$(swift build -c release --show-bin-path)/bench"

for round in $(seq "$rounds"); do
    log "round $round of $rounds"
    "$work/null-call" "$CRIBENCH_SOCKET" "$calls" "$pause_ms" | sed 's/^yardstick /C core    /'
    "$bench" overhead -r "$CRIBENCH_SOCKET" --calls "$calls" --pause-ms "$pause_ms" 2>&1 >/dev/null | sed 's/^\[bench\] /CRIClient /'
done

#!/usr/bin/env bash
# Runs CRIBench's CRI integration suite against real containerd.
#
#   scripts/cri-integration-test.sh [-runtime-handler=NAME ...]
#
# Starts CRIBench's runtime if it is not up (and stops it again at the end), builds the
# tests, runs the suite once per runtime handler (default: runc, wasm, then wasm-shim), and fails if the
# suite left any pod, container or image behind in the runtime. A handler whose name contains
# "wasm" (or is listed in CRIBENCH_WASM_HANDLERS) runs the wasm matrix (the WasmMatrix suites,
# with wasm modules); any other handler runs the OCI matrix (busybox containers). Before them
# run the scripts' own tests (which must pass), then wasm-runc's unit tests and the Unit target,
# which count in the tally with the matrices.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$CRIBENCH_REPO_DIR"

handlers=()
for arg in "$@"; do
    case "$arg" in
        -runtime-handler=*|--runtime-handler=*) handlers+=("${arg#*=}") ;;
        -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument '$arg'; usage: $0 [-runtime-handler=NAME ...]" ;;
    esac
done
[ ${#handlers[@]} -gt 0 ] || handlers=(runc wasm wasm-shim)

is_wasm_handler() {
    [[ "$1" == *wasm* ]] || [[ " ${CRIBENCH_WASM_HANDLERS:-} " == *" $1 "* ]]
}

started=0
# IPv4 forwarding as the node had it: a runtime this script starts and stops must leave it so.
forwarding_before=$(cat /proc/sys/net/ipv4/ip_forward)
stop_if_started() {
    local code=$?
    if [ "$started" = 1 ]; then
        scripts/stop-containerd.sh || code=1
        if [ "$(cat /proc/sys/net/ipv4/ip_forward)" != "$forwarding_before" ]; then
            log "net.ipv4.ip_forward is $(cat /proc/sys/net/ipv4/ip_forward) after stop, $forwarding_before before start"
            # Stop leaves it on, rightly, for a bridge or container daemon that came up since.
            [ -n "$(forwarding_users)" ] || code=1
        fi
    fi
    exit "$code"
}
trap stop_if_started EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start-containerd.sh is idempotent: it also rebuilds wasm-runc and the images when their
# sources changed. Only a runtime this script brought up is stopped at the end.
owned_pid "$CRIBENCH_RUN_DIR/containerd.pid" "$CONTAINERD_CMDLINE" && cri_up || started=1
scripts/start-containerd.sh >/dev/null
export CONTAINER_RUNTIME_ENDPOINT="unix://$CRIBENCH_SOCKET"

# What the runtime holds before the suite, to prove afterwards that the suite left nothing
# and removed nothing of anybody else's: containers, running tasks, images, snapshots (ctr,
# an independent client of the same containerd; CRI's objects live in namespace k8s.io), the
# shims serving CRIBench's socket, the pods' network namespaces and cgroups.
# ctr's answers are taken whole before they are read: a ctr that fails fails the inventory
# (an empty list would look like a clean runtime).
runtime_inventory() {
    local ctr=(ctr --address "$CRIBENCH_SOCKET" -n k8s.io) containers tasks images snapshots
    containers=$("${ctr[@]}" containers list -q) || { log "ctr containers list failed"; return 1; }
    tasks=$("${ctr[@]}" tasks list -q) || { log "ctr tasks list failed"; return 1; }
    images=$("${ctr[@]}" images list) || { log "ctr images list failed"; return 1; }
    snapshots=$("${ctr[@]}" snapshots list) || { log "ctr snapshots list failed"; return 1; }
    {
        [ -z "$containers" ] || echo "$containers" | sed 's/^/container /'
        [ -z "$tasks" ] || echo "$tasks" | sed 's/^/task /'
        # The pause image comes with the first pod and stays, under its name and its id
        # (sha256:…): every entry with the pause image's manifest digest is the runtime's own.
        echo "$images" | awk -v pause="$CRIBENCH_PAUSE_IMAGE" '
            NR > 1 { digest[$1] = $3; refs[NR] = $1 }
            END { for (i in refs) if (digest[refs[i]] != digest[pause]) print "image " refs[i] }'
        # Active snapshots are containers' root filesystems; committed ones belong to images.
        echo "$snapshots" | awk 'NR > 1 && $3 == "Active" { print "snapshot " $1 }'
        runc_shims | awk '$2 == "k8s.io" { print "shim " $3 }'
        # CRIBench's wasm shim serves every wasm-shim pod from one process, which ends once idle.
        pgrep -f "$CRIBENCH_WASM_SHIM_SERVER -namespace k8s.io -address $CRIBENCH_SOCKET( -debug)? serve" >/dev/null && echo "shim wasm-shim"
        # Mounts the runtime makes in task bundles: root filesystems, a wasm-shim pod's namespaces.
        awk -v tasks="$CRIBENCH_STATE_DIR/state/io.containerd.runtime.v2.task/" 'index($5, tasks) == 1 { print "mount " $5 }' /proc/self/mountinfo
        find "$CRIBENCH_STATE_DIR/state/io.containerd.grpc.v1.cri/netns" -mindepth 1 -maxdepth 1 -printf 'netns %f\n' 2>/dev/null || true
        find /sys/fs/cgroup/pids"$CRIBENCH_CGROUP_PARENT" -mindepth 1 -type d -printf 'cgroup %P\n' 2>/dev/null || true
    } | sort
}
before=$(runtime_inventory) || die "cannot take the runtime's inventory before the suite"

# What containerd logged about each leftover that has an id: its pod's name there names the
# test that made it, and the last lines say how far its removal got.
describe_leftovers() {
    local kind id lines
    while read -r kind id; do
        case "$kind" in container|task|shim) ;; *) continue ;; esac
        [ "$id" != wasm-shim ] || continue
        log "containerd's log on $kind $id (last lines):"
        lines=$(grep -F -- "$id" "$CRIBENCH_LOG_DIR/containerd.log" 2>/dev/null | tail -n 12 | cut -c1-400) || true
        echo "${lines:-  (nothing: containerd never logged this id)}" >&2
    done <<< "$1"
}

status=0 passed=0 failed=0 skipped=0
reports=$(mktemp -d)
# count NAME XML: adds an xUnit report (Swift Testing's, one <testcase> per test) to the tally.
# A part that ran no test, or only skipped, fails: a skip is never a pass.
count() {
    local p f s
    if [ ! -s "$2" ]; then
        log "no test report for $1 ($2)"
        status=1
        return
    fi
    read -r p f s < <(python3 scripts/tools/cribench_tools.py tally "$2") || { log "unreadable test report for $1"; status=1; return; }
    if [ "$p" -eq 0 ]; then
        log "$1 passed no test ($f failed, $s skipped)"
        status=1
    fi
    log "$1: $p passed, $f failed, $s skipped"
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
}

log "running the scripts' own tests"
python3 -m unittest discover -s scripts/tools 2>&1 | tail -3 || status=1

log "running wasm-runc's unit tests"
(cd runtime && swift test -c release --disable-testable-imports --xunit-output "$reports/wasm-runc.xml" 2>&1 \
    | grep -vE '^\[[0-9]+/[0-9]+\]') || status=1
count "wasm-runc's unit tests" "$reports/wasm-runc-swift-testing.xml"

log "building the bench image (deploy/daemonset.yaml runs it; the fleet test runs it in pods)"
scripts/build-bench-image.sh || die "the bench image could not be built"

log "validating the Kubernetes manifests (deploy/, examples/)"
scripts/validate-manifests.sh || die "the manifests do not validate"

log "building the test suite"
swift build --build-tests

log "running the unit tests (no runtime needed)"
swift test --skip-build --filter '^Unit\.' --xunit-output "$reports/unit.xml" || status=1
count "unit tests" "$reports/unit-swift-testing.xml"

# The wasm matrix is the suites nested in WasmMatrix, which carries the wasmMatrix tag (see
# Tests/Integration/MatrixTags.swift); every other integration suite is the OCI matrix.
for handler in "${handlers[@]}"; do
    report="$reports/$handler.xml"
    if is_wasm_handler "$handler"; then
        log "running the wasm matrix with runtime handler '$handler'"
        CRI_WASM_RUNTIME_HANDLER=$handler swift test --skip-build --no-parallel --filter '^Integration\.WasmMatrix/' \
            --xunit-output "$report" || status=1
    else
        log "running the OCI matrix with runtime handler '$handler'"
        CRI_RUNTIME_HANDLER=$handler swift test --skip-build --no-parallel --filter '^Integration\.' --skip '^Integration\.WasmMatrix/' \
            --xunit-output "$report" || status=1
    fi
    count "handler '$handler'" "${report%.xml}-swift-testing.xml"
done
rm -rf "$reports"

# settle TRIES PAUSE: takes the inventory into `after` until it matches `before`, at most TRIES
# times. Removal is asynchronous in places (a shim exits after its task is deleted, the wasm
# shim once it has been idle a few seconds): the runtime gets time to settle before anything
# is called a leftover.
settle() {
    for _ in $(seq "$1"); do
        after=$(runtime_inventory) || die "cannot take the runtime's inventory after the suite"
        [ "$after" = "$before" ] && break
        sleep "$2"
    done
}
settle 20 1
# containerd 1.6 can lose track of a shim: when a task's delete outlives containerd's deadline
# (a loaded node), the shim still finishes it, but containerd gives up before telling the shim
# to exit (containerd issue 7496). Such a shim has no task, no container and no bundle left in
# this runtime, and no process under it: nothing of the suite's runs in it. It is named as the
# runtime's defect, with what containerd logged about it, and stopped; anything else a shim
# still holds stays a leftover.
orphaned_shims() {
    local pid namespace id added
    # Nothing is excused while the suite left any task, container or bundle mount: a shim serves
    # a whole pod, whose containers have ids other than the shim's.
    added=$(comm -13 <(echo "$before") <(echo "$after"))
    grep -qE '^(task|container|mount) ' <<< "$added" && return 0
    runc_shims | while read -r pid namespace id; do
            [ "$namespace" = k8s.io ] || continue
            grep -qx "shim $id" <<< "$before" && continue
            [ ! -e "$CRIBENCH_STATE_DIR/state/io.containerd.runtime.v2.task/k8s.io/$id" ] || continue
            [ -z "$(pgrep -P "$pid")" ] || continue
            echo "$pid $id"
        done
}
orphans=$(orphaned_shims)
if [ -n "$orphans" ]; then
    while read -r pid id; do
        if grep -F -- "$id" "$CRIBENCH_LOG_DIR/containerd.log" 2>/dev/null | grep "deadline exceeded" >/dev/null; then
            cause="containerd logged a deadline exceeded on it: its shim leak under load (containerd issue 7496)"
        else
            cause="containerd logged no cause for it (see its lines below)"
        fi
        log "containerd lost track of shim $id (pid $pid): no task, container, bundle or process of it" \
            "is left, so it serves nothing; $cause. Stopping it."
        describe_leftovers "shim $id"
        # Still that shim (its pid not reused since).
        if runc_shims | grep -x "$pid k8s.io $id" >/dev/null; then
            kill "$pid" 2>/dev/null || true
            # SIGTERM lets it remove its own socket; wait for that before the next inventory.
            for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        fi
    done <<< "$orphans"
    settle 10 0.5
    # A shim that did not stop is still in the inventory, and so a leftover below.
    log "containerd lost $(wc -l <<< "$orphans") shim(s) during the suite; stopped, not counted as the suite's"
fi
# Both ways: what the suite added and did not remove, and what was there before and is gone.
leftovers=$(comm -13 <(echo "$before") <(echo "$after"))
vanished=$(comm -23 <(echo "$before") <(echo "$after"))
if [ -n "$leftovers" ]; then
    log "the suite left these behind in the runtime:"
    echo "$leftovers" >&2
    describe_leftovers "$leftovers"
    status=1
fi
if [ -n "$vanished" ]; then
    log "the suite removed these, which were there before it:"
    echo "$vanished" >&2
    status=1
fi
[ -n "$leftovers$vanished" ] || log "runtime holds what it held before the suite"
[ "$status" = 0 ] || [ "$failed" -gt 0 ] || failed=1
log "handlers: ${handlers[*]}"
echo "integration: $passed passed, $failed failed, $skipped skipped"
exit "$status"

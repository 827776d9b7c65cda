#!/usr/bin/env bash
# Registers a second build of a runtime as a CRI runtime handler of its own, so that
# `bench ab --a runc --b NAME` measures it against the first, interleaved, in one run:
#
#   scripts/add-runtime-handler.sh NAME /path/to/runtime-binary   register NAME (or move it)
#   scripts/add-runtime-handler.sh --remove NAME                   forget NAME
#
# The handler is containerd's runc v2 shim with BinaryName set to the binary, which must be
# root's alone (a root shim runs it). containerd restarts only when the handlers change (pods
# and containers keep running across it); the runtime must be up (scripts/start-containerd.sh).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || die "add-runtime-handler.sh must run as root (it restarts containerd)"
usage="usage: $0 NAME BINARY, or $0 --remove NAME"
remove=0
if [ "${1:-}" = --remove ]; then remove=1; shift; fi
name=${1:-} binary=${2:-}
valid_handler_name "$name" || die "handler name '$name' is not valid: 1-31 lower-case letters, digits and '-', starting with a letter ($usage)"
[[ " ${CRIBENCH_BUILTIN_HANDLERS[*]} " == *" $name "* ]] && die "handler '$name' is one of CRIBench's own (${CRIBENCH_BUILTIN_HANDLERS[*]}); choose another name"
owned_pid "$CRIBENCH_RUN_DIR/containerd.pid" "$CONTAINERD_CMDLINE" && cri_up \
    || die "CRIBench's runtime is not up on $CRIBENCH_SOCKET; start it with scripts/start-containerd.sh"

# One change at a time: two at once would each restart containerd with half of the handlers.
exec 9> "$CRIBENCH_RUN_DIR/runtime-handlers.lock"
flock -w 120 9 || die "another add-runtime-handler.sh has held $CRIBENCH_RUN_DIR/runtime-handlers.lock for 2 minutes; try again when it is done"
current=$(awk 'NF' "$CRIBENCH_HANDLERS_FILE" 2>/dev/null || true)
if [ "$remove" = 1 ]; then
    [ $# -eq 1 ] || die "$usage"
    wanted=$(printf '%s\n' "$current" | awk -v name="$name" 'NF && $1 != name')
else
    [ $# -eq 2 ] || die "$usage"
    check_handler_binary "$binary"
    # In place when the name is registered, so that asking again changes nothing.
    wanted=$(printf '%s\n' "$current" | awk -v name="$name" -v binary="$binary" '
        NF && $1 == name { print name " " binary; found = 1; next } NF { print } END { if (!found) print name " " binary }')
fi
if [ "$wanted" = "$current" ]; then
    log "handler '$name' is already as asked; containerd keeps running"
    exit 0
fi
if [ -n "$wanted" ]; then
    printf '%s\n' "$wanted" > "$CRIBENCH_HANDLERS_FILE.new"
    mv -f "$CRIBENCH_HANDLERS_FILE.new" "$CRIBENCH_HANDLERS_FILE"
else
    rm -f "$CRIBENCH_HANDLERS_FILE"
fi
if [ "$remove" = 1 ]; then log "restarting containerd without handler '$name'"; else log "restarting containerd with handler '$name' → $binary"; fi
# A shim whose task was just deleted is still telling containerd so: stopped now, it would be
# left waiting for a containerd that never hears it. Let those finish first (10 s at most).
exiting_shims() {
    local tasks
    tasks=$(ctr --address "$CRIBENCH_SOCKET" -n k8s.io tasks list -q 2>/dev/null)
    pgrep -af "^/[^ ]*containerd-shim[^ ]* -namespace k8s.io -id [^ ]+ -address $CRIBENCH_SOCKET( |$)" \
        | sed -E 's/.* -id ([^ ]+) .*/\1/' | grep -vxF -e "${tasks:-none}" || true
}
no_exiting_shims() { [ -z "$(exiting_shims)" ]; }
wait_until 10 no_exiting_shims || log "warning: shims still exiting: $(exiting_shims | tr '\n' ' ')"
stop_daemon "$CRIBENCH_RUN_DIR/containerd.pid" "$CONTAINERD_CMDLINE" containerd
# fd 9 (the lock) must not be inherited by the containerd this starts.
"$CRIBENCH_REPO_DIR/scripts/start-containerd.sh" 9>&- >/dev/null
log "handler '$name' $([ "$remove" = 1 ] && echo removed || echo ready)"

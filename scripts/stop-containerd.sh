#!/usr/bin/env bash
# Stops what start-containerd.sh started and undoes what the runtime did to the machine:
# ends containerd, its shims and the pods' processes, the registry; removes mounts, the pods'
# network namespaces, the bridge and the cgroups it made; puts IPv4 forwarding back. Keeps the
# state directory's content (images, registry blobs) so the next start is quick;
# CRIBENCH_PURGE=1 removes that too.
#
# Every destructive step first proves the thing is CRIBench's own: the state directory by its
# marker, a daemon by its command line (not just a pid file), a shim by the socket it serves,
# a cgroup by start's record of having made it, a network namespace by living in the state
# directory, the bridge by the gateway address of CRIBench's subnet. What it cannot prove is
# left alone and named.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

# Without -e, a failing command here is expected (a pid already gone): no ERR report for it.
trap - ERR
command -v python3 >/dev/null || die "python3 is needed to prove the bridge and sockets are CRIBench's (apt-get install python3)"
if [ ! -d "$CRIBENCH_STATE_DIR" ]; then
    log "nothing to stop: $CRIBENCH_STATE_DIR does not exist"
    exit 0
fi
check_state_dir
[ -f "$CRIBENCH_STATE_DIR/$CRIBENCH_STATE_MARKER" ] \
    || die "$CRIBENCH_STATE_DIR is not CRIBench's state directory (no $CRIBENCH_STATE_MARKER in it); not touching it"
# Undo what start did, whatever the caller's environment says now.
read_env_file "$CRIBENCH_ENV_FILE" force
check_state_dir
check_cgroup_parent

# recorded_cgroups RECORD NAME: the cgroup directories start made and recorded in RECORD (a
# cgroup mount point plus NAME each, never a mount point itself), and everything below them.
recorded_cgroups() {
    local record=$1 name=$2 dir
    [ -f "$record" ] || return 0
    while read -r dir; do
        case "$dir" in
            */"${name#/}") ;;
            *) log "ignoring record $dir: not under $name"; continue ;;
        esac
        cgroup_mounts | grep -qxF "${dir%"$name"}" || { log "ignoring record $dir: not in a cgroup hierarchy"; continue; }
        [ -d "$dir" ] && find "$dir" -depth -type d
    done < "$record"
}

# The pods' cgroups: the parent start made in each hierarchy, and everything below.
owned_cgroups() { recorded_cgroups "$CRIBENCH_RUN_DIR/owned-cgroups" "$CRIBENCH_CGROUP_PARENT"; }

kill_pod_processes() {
    local dir pids
    for _ in 1 2 3; do
        pids=$(owned_cgroups | while read -r dir; do cat "$dir/cgroup.procs" 2>/dev/null; done | sort -u)
        [ -n "$pids" ] || return 0
        log "killing leftover pod processes: $(echo $pids)"
        kill -KILL $pids 2>/dev/null
        sleep 0.5
    done
}

# A shim proves itself CRIBench's by its command line: it serves CRIBench's socket.
kill_shims() {
    local pids="" pid namespace id sockets=()
    # containerd's runc shims (one per pod), each of which leaves its socket behind when killed
    # (see shim_socket), and CRIBench's wasm shim (one for the node's wasm-shim pods; its
    # instances die with it).
    while read -r pid namespace id; do
        pids+=" $pid"
        sockets+=("$(shim_socket "$namespace" "$id")")
    done < <(runc_shims)
    pids+=" $(pgrep -f "^/[^ ]*/$CRIBENCH_WASM_SHIM_SERVER -namespace [^ ]+ -address $CRIBENCH_SOCKET( -debug)? serve$")"
    [ -n "${pids// /}" ] || return 0
    log "stopping shims: $(echo $pids)"
    kill -KILL $pids 2>/dev/null
    sleep 0.5
    for socket in "${sockets[@]}"; do
        [ ! -S "$socket" ] || rm -f "$socket"
    done
}

# Mounts under the state directory only (overlay rootfs, shm, the pods' network namespaces).
unmount_state() {
    local mountpoint
    awk -v root="$CRIBENCH_STATE_DIR" 'index($5, root "/") == 1 { print $5 }' /proc/self/mountinfo \
        | sort -r | while read -r mountpoint; do
            umount "$mountpoint" 2>/dev/null || umount -l "$mountpoint" 2>/dev/null
        done
}

# gateway_of SUBNET: the bridge plugin's gateway, the subnet's first address.
gateway_of() {
    python3 "$CRIBENCH_REPO_DIR/scripts/tools/cribench_tools.py" gateway "$1"
}

remove_network() {
    local gateway
    ip link show "$CRIBENCH_BRIDGE" >/dev/null 2>&1 || { rm -f "$CRIBENCH_RUN_DIR/owned-bridge"; return 0; }
    gateway=$(gateway_of "$CRIBENCH_SUBNET")
    if [ "$(cat "$CRIBENCH_RUN_DIR/owned-bridge" 2>/dev/null)" != "$CRIBENCH_BRIDGE" ]; then
        log "bridge $CRIBENCH_BRIDGE was there before CRIBench started; leaving it alone"
    elif [ -n "$gateway" ] && ip -4 -o addr show dev "$CRIBENCH_BRIDGE" | grep -qF " inet $gateway "; then
        log "removing bridge $CRIBENCH_BRIDGE"
        ip link delete "$CRIBENCH_BRIDGE" && rm -f "$CRIBENCH_RUN_DIR/owned-bridge"
    else
        log "bridge $CRIBENCH_BRIDGE does not carry CRIBench's gateway $(gateway_of "$CRIBENCH_SUBNET"); leaving it alone"
    fi
}

# remove_recorded_cgroups RECORD NAME: rmdir (never kill) what start recorded; the record goes
# once they are all gone.
remove_recorded_cgroups() {
    local left
    recorded_cgroups "$1" "$2" | while read -r dir; do rmdir "$dir" 2>/dev/null; done
    left=$(recorded_cgroups "$1" "$2")
    if [ -n "$left" ]; then
        log "warning: could not remove cgroups: $(echo "$left" | head -3 | tr '\n' ' ')"
    else
        rm -f "$1"
    fi
}

restore_ip_forward() {
    local file=$CRIBENCH_RUN_DIR/ip_forward.before before set now
    [ -f "$file" ] || return 0
    read -r before set < "$file"
    now=$(cat /proc/sys/net/ipv4/ip_forward)
    local others
    others=$(forwarding_users | tr '\n' ' ')
    if [ "${set:--}" = - ] || ! [[ "$before" =~ ^[01]$ ]]; then
        : # start changed nothing (or the record is not start's): nothing to put back
    elif [ "$now" != "$set" ]; then
        log "net.ipv4.ip_forward is $now, no longer the $set start set: somebody changed it since; leaving it"
    elif [ -n "$others" ]; then
        log "other users of IPv4 forwarding are up ($others); leaving it on (it was $before before CRIBench)"
    else
        log "restoring net.ipv4.ip_forward=$before"
        echo "$before" > /proc/sys/net/ipv4/ip_forward
    fi
    rm -f "$file"
}

# remove_stale_socket PATH: the stopped containerd's socket, once nobody answers on it (the
# path may have been set to a place another runtime now serves).
remove_stale_socket() {
    [ -S "$1" ] || return 0
    if python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])' "$1" 2>/dev/null; then
        log "something still serves $1; leaving it"
    else
        rm -f "$1"
    fi
}

# What the runtime left under /run/containerd (shim socket directories), when start saw it
# appear: only empty directories go, never a file, so another containerd's state survives.
remove_run_containerd() {
    [ -f "$CRIBENCH_RUN_DIR/created-run-containerd" ] || return 0
    # Ours is stopped by now: a containerd still running is somebody else's, and may be about
    # to use an empty directory there.
    if pgrep -x containerd >/dev/null; then
        log "another containerd runs; leaving /run/containerd as it is"
        return 0
    fi
    [ -d /run/containerd ] && find /run/containerd -depth -type d -empty -delete 2>/dev/null
    [ -d /run/containerd ] || rm -f "$CRIBENCH_RUN_DIR/created-run-containerd"
}

# The wasm shim's directory (its sockets, locks and logs, one set per containerd), once no
# wasm shim of any containerd runs: another runtime's shim may still use it.
remove_wasm_shim_directory() {
    local directory=/run/cribench-wasm-shim
    [ -d "$directory" ] && [ ! -L "$directory" ] && [ "$(stat -c %u "$directory")" = 0 ] || return 0
    if pgrep -f "^/[^ ]*/$CRIBENCH_WASM_SHIM_SERVER " >/dev/null; then
        log "a wasm shim still runs; leaving $directory"
        return 0
    fi
    rm -rf --one-file-system "$directory"
}

purge_state() {
    log "purging $CRIBENCH_STATE_DIR"
    # Mounts first, so a busy overlay cannot make rm reach into a container's files.
    unmount_state
    if awk -v root="$CRIBENCH_STATE_DIR" 'index($5, root "/") == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo; then
        die "mounts remain under $CRIBENCH_STATE_DIR; not removing it"
    fi
    rm -rf --one-file-system "$CRIBENCH_STATE_DIR"
}

kill_pod_processes
kill_shims
stop_daemon "$CRIBENCH_RUN_DIR/containerd.pid" "$CONTAINERD_CMDLINE" containerd
kill_pod_processes
stop_daemon "$CRIBENCH_RUN_DIR/registry.pid" "$REGISTRY_CMDLINE" registry
unmount_state
remove_network
remove_recorded_cgroups "$CRIBENCH_RUN_DIR/owned-cgroups" "$CRIBENCH_CGROUP_PARENT"
# The runtime's own cgroup (see start), once containerd and its shims are gone.
remove_recorded_cgroups "$CRIBENCH_RUN_DIR/runtime-cgroups" "$CRIBENCH_CGROUP_PARENT-runtime"
restore_ip_forward
remove_stale_socket "$CRIBENCH_SOCKET"
remove_stale_socket "$CRIBENCH_SOCKET.ttrpc"
remove_run_containerd
remove_wasm_shim_directory
rm -rf "$CRIBENCH_STATE_DIR/cni/ipam"
[ "${CRIBENCH_PURGE:-0}" = 1 ] && purge_state
log "stopped"

#!/usr/bin/env bash
# Stops what start-containerd.sh started and undoes what the runtime did to the machine:
# ends containerd, its shims and the pods' processes, the registry; removes mounts, network
# namespaces, the bridge and the cgroups it made. Keeps the state directory's content
# (images, registry blobs) so the next start is quick; CRIBENCH_PURGE=1 removes that too.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

# kill_pidfile FILE NAME: TERM, then KILL after 10 s, the process FILE names.
kill_pidfile() {
    local file=$1 name=$2 pid
    [ -f "$file" ] || return 0
    pid=$(cat "$file")
    if kill -0 "$pid" 2>/dev/null; then
        log "stopping $name (pid $pid)"
        kill -TERM "$pid" 2>/dev/null
        wait_until 10 bash -c "! kill -0 $pid" || kill -KILL "$pid" 2>/dev/null
        wait_until 5 bash -c "! kill -0 $pid"
    fi
    rm -f "$file"
}

# Every pod process lives under CRIBench's cgroup parent, in each v1 hierarchy.
pod_cgroups() {
    find /sys/fs/cgroup/*/"${CRIBENCH_CGROUP_PARENT#/}" -depth -type d 2>/dev/null
}

kill_pod_processes() {
    local dir pids
    for _ in 1 2 3; do
        pids=$(pod_cgroups | while read -r dir; do cat "$dir/cgroup.procs" 2>/dev/null; done | sort -u)
        [ -n "$pids" ] || return 0
        log "killing leftover pod processes: $(echo $pids)"
        kill -KILL $pids 2>/dev/null
        sleep 0.5
    done
}

kill_shims() {
    local pids
    pids=$(pgrep -f "containerd-shim.*-address $CRIBENCH_SOCKET( |$)")
    [ -n "$pids" ] || return 0
    log "stopping shims: $(echo $pids)"
    kill -KILL $pids 2>/dev/null
    sleep 0.5
}

unmount_state() {
    local mountpoint
    # Deepest first, so nested mounts come off before their parents.
    awk -v root="$CRIBENCH_STATE_DIR" '$5 == root || index($5, root "/") == 1 { print $5 }' /proc/self/mountinfo \
        | sort -r | while read -r mountpoint; do
            umount "$mountpoint" 2>/dev/null || umount -l "$mountpoint" 2>/dev/null
        done
}

remove_network() {
    local ns
    if [ -d /var/run/netns ] && ! pgrep -x containerd >/dev/null; then
        for ns in /var/run/netns/cni-*; do
            [ -e "$ns" ] || continue
            umount "$ns" 2>/dev/null; rm -f "$ns"
        done
    fi
    if ip link show "$CRIBENCH_BRIDGE" >/dev/null 2>&1; then
        log "removing bridge $CRIBENCH_BRIDGE"
        ip link delete "$CRIBENCH_BRIDGE"
    fi
    rm -rf "$CRIBENCH_STATE_DIR/cni/ipam"
}

remove_cgroups() {
    local dir
    pod_cgroups | while read -r dir; do rmdir "$dir" 2>/dev/null; done
    if [ -n "$(pod_cgroups)" ]; then
        log "warning: could not remove cgroups: $(pod_cgroups | head -3 | tr '\n' ' ')"
    fi
}

kill_pod_processes
kill_shims
kill_pidfile "$CRIBENCH_RUN_DIR/containerd.pid" containerd
kill_pod_processes
kill_pidfile "$CRIBENCH_RUN_DIR/registry.pid" registry
unmount_state
remove_network
remove_cgroups
rm -f "$CRIBENCH_SOCKET" "$CRIBENCH_SOCKET.ttrpc"
if [ -f "$CRIBENCH_RUN_DIR/created-run-containerd" ] && ! pgrep -x containerd >/dev/null; then
    rm -rf /run/containerd
    rm -f "$CRIBENCH_RUN_DIR/created-run-containerd"
fi
if [ -f "$CRIBENCH_RUN_DIR/created-netns-dir" ] && [ -z "$(ls -A /var/run/netns 2>/dev/null)" ]; then
    rmdir /var/run/netns 2>/dev/null
    rm -f "$CRIBENCH_RUN_DIR/created-netns-dir"
fi
if [ "${CRIBENCH_PURGE:-0}" = 1 ]; then
    log "purging $CRIBENCH_STATE_DIR"
    rm -rf "$CRIBENCH_STATE_DIR"
fi
log "stopped"

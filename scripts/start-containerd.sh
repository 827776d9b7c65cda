#!/usr/bin/env bash
# Starts CRIBench's runtime under test: a local registry on 127.0.0.1:5000 holding
# locally built pause, busybox and wasm images, and containerd 1.6 with its CRI plugin
# and the runtime handlers `runc`, `crun`, `wasm`, the probe and any registered with
# scripts/add-runtime-handler.sh. Installs what is missing from Debian's
# packages, works offline, and reuses whatever is already up (idempotent).
# Prints the CRI endpoint on stdout when ready.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || die "start-containerd.sh must run as root (it starts containerd and mounts overlays)"

install_packages() {
    local missing=()
    command -v containerd >/dev/null || missing+=(containerd)
    command -v runc >/dev/null || missing+=(runc)
    # A second OCI runtime for bench's sides and A/B runs (handler crun).
    command -v crun >/dev/null || missing+=(crun)
    [ -x /usr/lib/cni/bridge ] || missing+=(containernetworking-plugins)
    command -v docker-registry >/dev/null || missing+=(docker-registry)
    command -v umoci >/dev/null || missing+=(umoci)
    command -v skopeo >/dev/null || missing+=(skopeo)
    dpkg -s busybox-static >/dev/null 2>&1 || missing+=(busybox-static)
    command -v gcc >/dev/null || missing+=(gcc libc6-dev)
    # CRIClient's transport: the gRPC C core (headers and libgrpc.so), linked by `swift build`.
    [ -f /usr/include/grpc/grpc.h ] || missing+=(libgrpc-dev)
    # wasm-runc loads the spec's seccomp filter through libseccomp (runc's own library).
    [ -f /usr/include/seccomp.h ] || missing+=(libseccomp-dev)
    command -v curl >/dev/null || missing+=(curl)
    # stop-containerd.sh computes the bridge's gateway and probes sockets with it.
    command -v python3 >/dev/null || missing+=(python3)
    command -v ip >/dev/null || missing+=(iproute2)
    command -v iptables >/dev/null || missing+=(iptables)
    if [ ${#missing[@]} -gt 0 ]; then
        log "installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >/dev/null
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
}

# claim_state_dir: makes the state directory CRIBench's (the marker stop looks for), refusing
# one that already holds somebody else's files.
claim_state_dir() {
    check_state_dir
    [ -e "$CRIBENCH_STATE_DIR/$CRIBENCH_STATE_MARKER" ] && return
    # A directory of an earlier CRIBench, from before the marker, is recognised by its config.
    if [ -d "$CRIBENCH_STATE_DIR" ] && [ -n "$(ls -A "$CRIBENCH_STATE_DIR")" ] \
        && ! grep -qsF "root = \"$CRIBENCH_STATE_DIR/root\"" "$CRIBENCH_STATE_DIR/containerd.toml"; then
        die "CRIBENCH_STATE_DIR=$CRIBENCH_STATE_DIR is not empty and is not CRIBench's (no $CRIBENCH_STATE_MARKER in it); give a new or empty directory"
    fi
    mkdir -p "$CRIBENCH_STATE_DIR"
    echo "CRIBench's state directory: scripts/stop-containerd.sh removes what CRIBench made in it" > "$CRIBENCH_STATE_DIR/$CRIBENCH_STATE_MARKER"
}

# A runtime that is up keeps the settings it was started with: an override now would move
# bench and the tests away from it.
check_settings_of_running_runtime() {
    owned_pid "$CRIBENCH_RUN_DIR/containerd.pid" "$CONTAINERD_CMDLINE" && [ -f "$CRIBENCH_ENV_FILE" ] || return 0
    local key recorded
    for key in "${CRIBENCH_SETTINGS[@]}"; do
        recorded=$(sed -n "s/^$key=//p" "$CRIBENCH_ENV_FILE")
        [ -z "$recorded" ] || [ "$recorded" = "${!key}" ] \
            || die "the runtime in $CRIBENCH_STATE_DIR is up with $key=$recorded, not ${!key}; stop it first (scripts/stop-containerd.sh) or drop the override"
    done
}

# claim_cgroup NAME RECORD [MOUNT-FILTER]: creates cgroup NAME in every hierarchy (those with
# MOUNT-FILTER, a file the mount must hold, when given) and records each directory in RECORD as
# CRIBench's; a directory that exists without that record belongs to somebody else. Used for
# the pods' parent (stop kills processes only in recorded cgroups) and the runtime's own.
claim_cgroup() {
    local name=$1 record=$2 filter=${3:-} mount dir
    for mount in $(cgroup_mounts); do
        [ -z "$filter" ] || [ -f "$mount/$filter" ] || [ -f "$mount/cgroup.controllers" ] || continue
        dir=$mount$name
        grep -qxF "$dir" "$record" 2>/dev/null && [ -d "$dir" ] && continue
        [ -d "$dir" ] && die "cgroup $dir exists and was not made by CRIBench; set CRIBENCH_CGROUP_PARENT to a cgroup of its own (or remove that one if it is an old CRIBench's)"
        mkdir "$dir"
        # A new cpuset has no CPUs or memory nodes until given some; runc copies them from here.
        if [ -f "$mount/cpuset.cpus" ]; then
            cat "$mount/cpuset.cpus" > "$dir/cpuset.cpus"
            cat "$mount/cpuset.mems" > "$dir/cpuset.mems"
        fi
        grep -qxF "$dir" "$record" 2>/dev/null || echo "$dir" >> "$record"
    done
}

# The pods' bridge is made by the CNI plugin on the first pod; a bridge of that name that is
# already there and not recorded as CRIBench's belongs to somebody else (cni0, docker0, …).
claim_bridge() {
    local record=$CRIBENCH_RUN_DIR/owned-bridge
    [ "$(cat "$record" 2>/dev/null)" = "$CRIBENCH_BRIDGE" ] && return
    if ip link show "$CRIBENCH_BRIDGE" >/dev/null 2>&1; then
        # A runtime of this state directory that is up made it (started before the record).
        owned_pid "$CRIBENCH_RUN_DIR/containerd.pid" "$CONTAINERD_CMDLINE" \
            || die "a network interface named $CRIBENCH_BRIDGE exists and is not CRIBench's; set CRIBENCH_BRIDGE to a name of its own"
    fi
    echo "$CRIBENCH_BRIDGE" > "$record"
}

# containerd runs in a CPU-accounting cgroup of its own (PARENT-runtime), which its shims and
# the runc/wasm-runc they run inherit: `bench scale` reads the runtime's CPU time there. Stop
# only removes it, and kills nothing by it.
CRIBENCH_RUNTIME_CGROUP=$CRIBENCH_CGROUP_PARENT-runtime

# The pods' gateway needs IPv4 forwarding. Start turns it on itself when it is off and records
# "BEFORE SET" ("0 1"; "1 -" when it was on already), so that stop puts back only a change
# start made, and only while the value is still the one start set.
record_ip_forward() {
    local file=$CRIBENCH_RUN_DIR/ip_forward.before before
    [ -f "$file" ] && return 0
    before=$(cat /proc/sys/net/ipv4/ip_forward)
    if [ "$before" = 0 ]; then
        echo 1 > /proc/sys/net/ipv4/ip_forward
        echo "0 1" > "$file"
    else
        echo "$before -" > "$file"
    fi
}

start_registry() {
    if owned_pid "$CRIBENCH_RUN_DIR/registry.pid" "$REGISTRY_CMDLINE" && registry_up; then return; fi
    registry_up && die "something else already serves $CRIBENCH_REGISTRY; stop it or set CRIBENCH_REGISTRY"
    mkdir -p "$CRIBENCH_STATE_DIR/registry/data"
    # Debian's default config listens on every interface and asks for htpasswd: write our own.
    cat > "$CRIBENCH_STATE_DIR/registry/config.yml" <<CONF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $CRIBENCH_STATE_DIR/registry/data
  delete:
    enabled: true
http:
  addr: $CRIBENCH_REGISTRY
CONF
    log "starting registry on $CRIBENCH_REGISTRY"
    rotate_log "$CRIBENCH_LOG_DIR/registry.log"
    setsid docker-registry serve "$CRIBENCH_STATE_DIR/registry/config.yml" \
        >>"$CRIBENCH_LOG_DIR/registry.log" 2>&1 < /dev/null &
    echo $! > "$CRIBENCH_RUN_DIR/registry.pid"
    wait_until 20 registry_up || { tail -20 "$CRIBENCH_LOG_DIR/registry.log" >&2; die "registry did not answer on $CRIBENCH_REGISTRY"; }
}

build_images() {
    if ! image_in_registry "$CRIBENCH_PAUSE_IMAGE"; then
        log "building $CRIBENCH_PAUSE_IMAGE"
        local root; root=$(mktemp -d)
        gcc -Os -static -o "$root/pause" "$CRIBENCH_REPO_DIR/images/pause/pause.c"
        push_rootfs_image "$CRIBENCH_PAUSE_IMAGE" "$root" --config.entrypoint /pause --config.user 65535:65535
        rm -rf "$root"
    fi
    if ! image_in_registry "$CRIBENCH_BUSYBOX_IMAGE" || ! image_in_registry "$CRIBENCH_IMAGETEST_IMAGE"; then
        log "building $CRIBENCH_BUSYBOX_IMAGE from Debian's busybox-static"
        local root; root=$(mktemp -d)
        mkdir -p "$root/bin" "$root/tmp" "$root/etc"
        cp /bin/busybox "$root/bin/busybox"
        for applet in sh echo cat ls sleep top true false env date hostname ip id ps printf tail head wc; do
            ln -s busybox "$root/bin/$applet"
        done
        echo "root:x:0:0:root:/root:/bin/sh" > "$root/etc/passwd"
        echo "root:x:0:" > "$root/etc/group"
        push_rootfs_image "$CRIBENCH_BUSYBOX_IMAGE" "$root" --config.cmd sh --config.env PATH=/bin
        # Same files, its own config and so its own image id: the image test removes this one
        # without touching the busybox the other tests run.
        push_rootfs_image "$CRIBENCH_IMAGETEST_IMAGE" "$root" --config.cmd sh --config.env PATH=/bin \
            --config.label io.cribench.purpose=image-test
        rm -rf "$root"
    fi
    "$CRIBENCH_REPO_DIR/scripts/build-wasm-images.sh"
}

# handler_config NAME BINARY: a CRI runtime handler of containerd's runc v2 shim running BINARY.
handler_config() {
    printf '    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.%s]\n' "$1"
    printf '      runtime_type = "io.containerd.runc.v2"\n'
    printf '      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.%s.options]\n' "$1"
    printf '        SystemdCgroup = false\n        BinaryName = "%s"\n' "$2"
}

# registered_handlers_config: a handler for each build scripts/add-runtime-handler.sh registered,
# each line checked again as it was when written.
registered_handlers_config() {
    local name binary
    [ -f "$CRIBENCH_HANDLERS_FILE" ] || return 0
    while read -r name binary; do
        valid_handler_name "$name" || die "$CRIBENCH_HANDLERS_FILE: '$name' is not a handler name CRIBench writes"
        check_handler_binary "$binary"
        handler_config "$name" "$binary"
    done < "$CRIBENCH_HANDLERS_FILE"
}

write_containerd_config() {
    # Made before the heredoc: a failure inside it would end only its subshell.
    local extra_handlers crun
    if crun=$(command -v crun); then
        check_handler_binary "$crun"
        # crun behind the same shim: the second OCI runtime bench compares runc with.
        extra_handlers=$(handler_config crun "$crun")$'\n'
    fi
    extra_handlers+=$(registered_handlers_config) || die "the registered runtime handlers in $CRIBENCH_HANDLERS_FILE are not usable (see above)"
    mkdir -p "$CRIBENCH_STATE_DIR/cni/net.d" "$CRIBENCH_STATE_DIR/certs.d/$CRIBENCH_REGISTRY"
    cat > "$CRIBENCH_STATE_DIR/certs.d/$CRIBENCH_REGISTRY/hosts.toml" <<CONF
server = "http://$CRIBENCH_REGISTRY"
[host."http://$CRIBENCH_REGISTRY"]
  capabilities = ["pull", "resolve"]
CONF
    cat > "$CRIBENCH_STATE_DIR/cni/net.d/10-cribench.conflist" <<CONF
{
  "cniVersion": "1.0.0",
  "name": "$CRIBENCH_CNI_NETWORK",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$CRIBENCH_BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$CRIBENCH_STATE_DIR/cni/ipam",
        "ranges": [[{"subnet": "$CRIBENCH_SUBNET"}]],
        "routes": [{"dst": "0.0.0.0/0"}]
      }
    },
    {"type": "loopback"}
  ]
}
CONF
    cat > "$CRIBENCH_STATE_DIR/containerd.toml" <<CONF
version = 2
root = "$CRIBENCH_STATE_DIR/root"
state = "$CRIBENCH_STATE_DIR/state"
plugin_dir = ""
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.tracing.processor.v1.otlp"]

[grpc]
  address = "$CRIBENCH_SOCKET"
  max_recv_message_size = 16777216
  max_send_message_size = 16777216

[ttrpc]
  address = "$CRIBENCH_SOCKET.ttrpc"

[debug]
  level = "info"

[plugins."io.containerd.internal.v1.opt"]
  path = "$CRIBENCH_STATE_DIR/opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$CRIBENCH_PAUSE_IMAGE"
  # No CAP_SYS_RESOURCE here: without this the pause container fails with
  # "can't get final child's PID from pipe".
  restrict_oom_score_adj = true
  disable_apparmor = true
  enable_selinux = false
  stats_collect_period = 1
  # Pod network namespaces under CRIBench's state directory, not in /var/run/netns beside
  # everybody else's: stop can then remove them without guessing whose they are.
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
    # wasm-runc speaks runc's command line: containerd's own runc v2 shim drives it. Wasm
    # modules run on WasmKit; the pause container and other binaries are handed to runc.
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.wasm]
      runtime_type = "io.containerd.runc.v2"
      # Lets a pod tune wasm-runc (io.cribench.wasm.setup-timeout-seconds) through annotations.
      container_annotations = ["io.cribench.wasm.*"]
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.wasm.options]
        SystemdCgroup = false
        BinaryName = "$CRIBENCH_WASM_RUNTIME"
    # CRIBench's own shim v2 (runtime/Sources/WasmShim): one process serves every wasm pod of
    # the node, the pod's sandbox is no process, each instance is spawned by the shim itself.
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.wasm-shim]
      runtime_type = "io.containerd.cribench-wasm.v1"
      container_annotations = ["io.cribench.wasm.*"]
    # The probe handler: runc behind a script in CRIBench's state directory, which the test
    # suite rewrites to slow the runtime down on purpose (the regression gate must notice).
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.cribench-probe]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.cribench-probe.options]
        SystemdCgroup = false
        BinaryName = "$CRIBENCH_STATE_DIR/probe-runtime"
$extra_handlers
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$CRIBENCH_STATE_DIR/cni/net.d"
    max_conf_num = 1
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$CRIBENCH_STATE_DIR/certs.d"
CONF
}

# The probe handler's runtime, as runc itself; a test that slows it puts this back.
write_probe_runtime() {
    local runc_path; runc_path=$(command -v runc)
    printf '#!/bin/sh\n# CRIBench probe runtime: runc unchanged.\nexec %s "$@"\n' "$runc_path" > "$CRIBENCH_STATE_DIR/probe-runtime.new"
    chmod 755 "$CRIBENCH_STATE_DIR/probe-runtime.new"
    mv -f "$CRIBENCH_STATE_DIR/probe-runtime.new" "$CRIBENCH_STATE_DIR/probe-runtime"
}

start_containerd() {
    # A test that slowed the probe runtime and was killed before it put it back leaves it slow;
    # every start puts plain runc back, also when containerd is already up.
    write_probe_runtime
    if owned_pid "$CRIBENCH_RUN_DIR/containerd.pid" "$CONTAINERD_CMDLINE" && cri_up; then
        log "containerd already up on $CRIBENCH_SOCKET"
        return
    fi
    write_containerd_config
    # Remember whether the runtime is about to create /run/containerd (its shims' sockets),
    # for stop to remove what is left of it empty.
    [ -d /run/containerd ] || touch "$CRIBENCH_RUN_DIR/created-run-containerd"
    log "starting containerd on $CRIBENCH_SOCKET"
    rotate_log "$CRIBENCH_LOG_DIR/containerd.log"
    claim_cgroup "$CRIBENCH_RUNTIME_CGROUP" "$CRIBENCH_RUN_DIR/runtime-cgroups" cpuacct.usage
    # The shell joins the runtime's cgroup and becomes containerd, so nothing it starts escapes.
    # containerd's environment is its shims' and so every runtime's: a fixed PATH and nothing of
    # the caller's (the shell that ran this script may hold anything).
    env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin setsid sh -c 'for procs in "$@"; do echo $$ > "$procs"; done; exec containerd --config "$0"' \
        "$CRIBENCH_STATE_DIR/containerd.toml" $(sed 's|$|/cgroup.procs|' "$CRIBENCH_RUN_DIR/runtime-cgroups") \
        >>"$CRIBENCH_LOG_DIR/containerd.log" 2>&1 < /dev/null &
    echo $! > "$CRIBENCH_RUN_DIR/containerd.pid"
    if ! wait_until 60 cri_up; then
        tail -30 "$CRIBENCH_LOG_DIR/containerd.log" >&2
        die "containerd's CRI plugin did not come up on $CRIBENCH_SOCKET (log: $CRIBENCH_LOG_DIR/containerd.log)"
    fi
}

# A daemon's log is appended to across starts; past a size it becomes FILE.1 (the one before
# is dropped), so a node that runs the suite nightly does not fill its disk with logs.
rotate_log() {
    local size
    size=$(stat -c %s "$1" 2>/dev/null) || return 0
    [ "$size" -le $((64 * 1024 * 1024)) ] || mv -fT "$1" "$1.1"
}

claim_state_dir
check_settings_of_running_runtime
check_cgroup_parent
mkdir -p "$CRIBENCH_RUN_DIR" "$CRIBENCH_LOG_DIR"
claim_bridge
claim_cgroup "$CRIBENCH_CGROUP_PARENT" "$CRIBENCH_RUN_DIR/owned-cgroups"
record_ip_forward
write_env_file
install_packages
start_registry
build_images
"$CRIBENCH_REPO_DIR/scripts/build-wasm-runtime.sh"
start_containerd
echo "unix://$CRIBENCH_SOCKET"

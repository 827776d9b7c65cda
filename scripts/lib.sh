# Shared settings and helpers for CRIBench's runtime scripts. Sourced, not run.
# Every path the scripts touch hangs off CRIBENCH_STATE_DIR so that stop can undo it.

log() { printf '[cribench] %s\n' "$*" >&2; }
die() { printf '[cribench] error: %s\n' "$*" >&2; exit 1; }

# runc_shims: "PID NAMESPACE ID" for each of containerd's runc shims (one per pod) serving this
# runtime's socket, which its command line names: that is how a shim proves itself CRIBench's.
runc_shims() {
    { pgrep -af "^/[^ ]*containerd-shim[^ ]* -namespace [^ ]+ -id [^ ]+ -address $CRIBENCH_SOCKET( |$)" || true; } \
        | sed -E 's/^([0-9]+) .* -namespace ([^ ]+) -id ([^ ]+) .*/\1 \2 \3/'
}

# shim_socket NAMESPACE ID: where containerd's runc shim of this runtime's pod ID listens. A
# shim that is killed leaves it behind; the name is the sha256 of "ADDRESS/NAMESPACE/ID", so it
# names this runtime's socket and the file is provably CRIBench's.
shim_socket() {
    printf '/run/containerd/s/%s' "$(printf '%s' "$CRIBENCH_SOCKET/$1/$2" | sha256sum | cut -d' ' -f1)"
}

# The node's settings. Precedence: a CRIBENCH_* variable of the caller, then the values the
# last start recorded in $CRIBENCH_STATE_DIR/cribench.env (the one source bench and the test
# suite read as well, see NodeSettings.swift), then the defaults of node-defaults.env, which
# bench has built in.
CRIBENCH_DEFAULTS_FILE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/Sources/BenchKit/Node/node-defaults.env
# default_of KEY: KEY's default, ${CRIBENCH_STATE_DIR} and ${CRIBENCH_REGISTRY} filled in.
default_of() {
    local value
    value=$(sed -n "s/^$1=//p" "$CRIBENCH_DEFAULTS_FILE")
    [ -n "$value" ] || die "$CRIBENCH_DEFAULTS_FILE has no default for $1"
    value=${value//'${CRIBENCH_STATE_DIR}'/${CRIBENCH_STATE_DIR:-}}
    printf '%s' "${value//'${CRIBENCH_REGISTRY}'/${CRIBENCH_REGISTRY:-}}"
}
CRIBENCH_STATE_DIR=${CRIBENCH_STATE_DIR:-$(default_of CRIBENCH_STATE_DIR)}
# One spelling of the path everywhere (no trailing slash, //, or symlinked alias), so that
# every ownership check compares like with like.
case "$CRIBENCH_STATE_DIR" in /*) CRIBENCH_STATE_DIR=$(realpath -m "$CRIBENCH_STATE_DIR") ;; esac
CRIBENCH_ENV_FILE=$CRIBENCH_STATE_DIR/cribench.env

# check_state_dir_trust: the scripts run as root and read, and run, what the state directory
# holds (settings, pid files, recorded cgroups, the probe runtime, containerd's config). A
# directory that another user owns or may write to, or under such an ancestor, lets that user
# steer them: refused, naming the path, before anything in it is read.
check_state_dir_trust() {
    case "$CRIBENCH_STATE_DIR" in
        /*) ;;
        *) die "CRIBENCH_STATE_DIR='$CRIBENCH_STATE_DIR' is not an absolute path" ;;
    esac
    # The settings file and every directory above it (the state directory's own ancestors too).
    if [ -e "$CRIBENCH_ENV_FILE" ] || [ -L "$CRIBENCH_ENV_FILE" ]; then
        [ -L "$CRIBENCH_ENV_FILE" ] || [ -f "$CRIBENCH_ENV_FILE" ] || die "$CRIBENCH_ENV_FILE is not a regular file; remove it"
        check_root_only "$CRIBENCH_ENV_FILE" "CRIBench's settings file $CRIBENCH_ENV_FILE"
    else
        check_root_only "$CRIBENCH_STATE_DIR" "CRIBENCH_STATE_DIR=$CRIBENCH_STATE_DIR"
    fi
}

# check_root_only PATH WHAT: PATH (where it exists) and every ancestor are root's and writable
# by nobody else, and none is a symbolic link; otherwise die naming the path and WHAT it holds.
check_root_only() {
    local path=$1 what=$2 owner mode
    while :; do
        if [ -L "$path" ]; then
            die "$path is a symbolic link; $what must be reached through real directories owned by root"
        elif [ -e "$path" ]; then
            read -r owner mode < <(stat -c '%u %a' "$path")
            [ "$owner" = 0 ] || die "$path is owned by uid $owner, not root: a root script will not trust $what under it; use a path whose every ancestor is root's"
            (( 8#$mode & 8#022 )) && die "$path is writable by group or others (mode $mode): a root script will not trust $what under it; chmod go-w it or use another path"
        fi
        [ "$path" = / ] && break
        path=$(dirname "$path")
    done
}
check_state_dir_trust
CRIBENCH_SETTINGS=(CRIBENCH_SOCKET CRIBENCH_REGISTRY CRIBENCH_CGROUP_PARENT CRIBENCH_BRIDGE CRIBENCH_SUBNET
    CRIBENCH_PAUSE_IMAGE CRIBENCH_BUSYBOX_IMAGE CRIBENCH_IMAGETEST_IMAGE CRIBENCH_POD_LOG_ROOT CRIBENCH_WASM_RUNTIME)

# read_env_file FILE [force]: sets each setting of FILE the caller has not set (all of them
# with "force": what a start recorded is what stop must undo, whatever the caller says now).
# valid_setting VALUE: the characters CRIBench writes in a setting, so shell and Swift read the
# same thing and no value can carry a quote, a blank or a pattern.
valid_setting() { [[ "$1" =~ ^[A-Za-z0-9_./:@-]+$ ]]; }

# Only the settings themselves are read, each checked as when it was written; a file that
# belongs to another state directory (a copy of one) is refused.
read_env_file() {
    local key value
    [ -f "$1" ] || return 0
    while IFS='=' read -r key value; do
        case "$key" in '#'*|'') continue ;; esac
        valid_setting "$value" || die "$1: $key has a value CRIBench does not write; restart with scripts/start-containerd.sh after removing the file"
        if [ "$key" = CRIBENCH_STATE_DIR ]; then
            [ "$value" = "$CRIBENCH_STATE_DIR" ] \
                || die "$1 was written for $value, not for $CRIBENCH_STATE_DIR (a copied state directory?); remove it, or use $value"
            continue
        fi
        [[ " ${CRIBENCH_SETTINGS[*]} " == *" $key "* ]] || die "$1: $key is not a CRIBench setting"
        if [ "${2:-}" = force ] || [ -z "${!key:-}" ]; then printf -v "$key" '%s' "$value"; fi
    done < "$1"
}
read_env_file "$CRIBENCH_ENV_FILE"

CRIBENCH_SOCKET=${CRIBENCH_SOCKET:-$(default_of CRIBENCH_SOCKET)}
CRIBENCH_REGISTRY=${CRIBENCH_REGISTRY:-$(default_of CRIBENCH_REGISTRY)}
CRIBENCH_CGROUP_PARENT=${CRIBENCH_CGROUP_PARENT:-$(default_of CRIBENCH_CGROUP_PARENT)}
CRIBENCH_BRIDGE=${CRIBENCH_BRIDGE:-$(default_of CRIBENCH_BRIDGE)}
CRIBENCH_CNI_NETWORK=cribench
CRIBENCH_SUBNET=${CRIBENCH_SUBNET:-$(default_of CRIBENCH_SUBNET)}
CRIBENCH_PAUSE_IMAGE=${CRIBENCH_PAUSE_IMAGE:-$(default_of CRIBENCH_PAUSE_IMAGE)}
CRIBENCH_BUSYBOX_IMAGE=${CRIBENCH_BUSYBOX_IMAGE:-$(default_of CRIBENCH_BUSYBOX_IMAGE)}
CRIBENCH_IMAGETEST_IMAGE=${CRIBENCH_IMAGETEST_IMAGE:-$(default_of CRIBENCH_IMAGETEST_IMAGE)}
CRIBENCH_POD_LOG_ROOT=${CRIBENCH_POD_LOG_ROOT:-$(default_of CRIBENCH_POD_LOG_ROOT)}
CRIBENCH_WASM_RUNTIME=${CRIBENCH_WASM_RUNTIME:-/usr/local/bin/wasm-runc}
# CRIBench's own shim v2, installed beside wasm-runc (the directory must be in containerd's PATH):
# the launcher containerd runs for each task, and the serving shim it starts (one per node).
CRIBENCH_WASM_SHIM_BINARY=containerd-shim-cribench-wasm-v1
CRIBENCH_WASM_SHIM_SERVER=cribench-wasm-shim-server
# bench, swift test and the scripts they start see the same values.
export CRIBENCH_STATE_DIR "${CRIBENCH_SETTINGS[@]}"

# write_env_file: records the settings this start uses, for everything that comes after.
write_env_file() {
    local key
    for key in CRIBENCH_STATE_DIR "${CRIBENCH_SETTINGS[@]}"; do
        valid_setting "${!key}" || die "$key='${!key}' holds characters CRIBench does not accept in a setting"
    done
    {
        echo "# CRIBench node settings, written by scripts/start-containerd.sh; read by the scripts, bench and the tests."
        for key in CRIBENCH_STATE_DIR "${CRIBENCH_SETTINGS[@]}"; do echo "$key=${!key}"; done
    } > "$CRIBENCH_ENV_FILE.new"
    mv -f "$CRIBENCH_ENV_FILE.new" "$CRIBENCH_ENV_FILE"
}

# SwiftPM orders some compiler flags by iterating a Set, so with Swift's per-process random
# hashing two builds of unchanged sources can differ in flag order and recompile everything
# (wasm-runc: ~150 s). Deterministic hashing makes a no-change build a no-op.
export SWIFT_DETERMINISTIC_HASHING=1

CRIBENCH_RUN_DIR=$CRIBENCH_STATE_DIR/run
CRIBENCH_LOG_DIR=$CRIBENCH_STATE_DIR/log
CRIBENCH_REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)


# Under `set -e` a failing command would otherwise end a script without a word.
trap 'log "error: \"$BASH_COMMAND\" failed (exit $?) at ${BASH_SOURCE[0]##*/}:$LINENO"' ERR

# wait_until SECONDS COMMAND...: polls COMMAND every 0.2 s until it succeeds.
wait_until() {
    local deadline=$((SECONDS + $1)); shift
    until "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.2
    done
}

# The file whose presence proves a state directory is CRIBench's: stop deletes nothing in a
# directory without it.
CRIBENCH_STATE_MARKER=.cribench-state

# check_state_dir: refuses a state directory that could hold anything but CRIBench's state.
check_state_dir() {
    case "$CRIBENCH_STATE_DIR" in
        /*) ;;
        *) die "CRIBENCH_STATE_DIR='$CRIBENCH_STATE_DIR' is not an absolute path" ;;
    esac
    local normal=$CRIBENCH_STATE_DIR ancestor
    # Inside another CRIBench state directory, that one's stop would unmount and purge this.
    ancestor=$(dirname "$normal")
    while [ "$ancestor" != / ]; do
        [ -e "$ancestor/$CRIBENCH_STATE_MARKER" ] && die "CRIBENCH_STATE_DIR=$normal lies inside CRIBench's state directory $ancestor; choose a directory beside it"
        ancestor=$(dirname "$ancestor")
    done
    # The socket lives in the state directory: a path elsewhere could be another runtime's.
    case "$CRIBENCH_SOCKET" in
        "$normal"/*) ;;
        *) die "CRIBENCH_SOCKET=$CRIBENCH_SOCKET is outside $normal; CRIBench serves its runtime only from its own state directory" ;;
    esac
    case "$normal" in
        /|/bin|/boot|/dev|/etc|/home|/lib|/lib64|/media|/mnt|/opt|/proc|/root|/run|/sbin|/srv|/sys|/tmp|/usr|/usr/*|/var|/var/lib|/var/run|/var/tmp)
            die "CRIBENCH_STATE_DIR='$CRIBENCH_STATE_DIR' is a system directory; CRIBench needs a directory of its own (default /var/lib/cribench)" ;;
    esac
}

# check_cgroup_parent: one or more plain path components under the cgroup root, never the root.
check_cgroup_parent() {
    [[ "$CRIBENCH_CGROUP_PARENT" =~ ^/[A-Za-z0-9_-][A-Za-z0-9_.-]*$ ]] \
        || die "CRIBENCH_CGROUP_PARENT='$CRIBENCH_CGROUP_PARENT' is not a cgroup of its own (give one path component such as /cribench; never /, .. or a nested path)"
}

# cgroup_mounts: every cgroup (v1) and cgroup2 mount point of the machine.
cgroup_mounts() { awk '$3 == "cgroup" || $3 == "cgroup2" { print $2 }' /proc/self/mounts; }

# process_is PID PATTERN: true when PID is alive and its command line matches PATTERN (an
# extended regex on the NUL-separated arguments joined by spaces). A pid file can outlive its
# process, and the pid can since belong to anything.
process_is() {
    [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' < "/proc/$1/cmdline" | grep -qE "$2"
}

# What the command lines of CRIBench's own daemons look like (process_is patterns).
CONTAINERD_CMDLINE="^containerd --config $CRIBENCH_STATE_DIR/containerd.toml "
REGISTRY_CMDLINE="^docker-registry serve $CRIBENCH_STATE_DIR/registry/config.yml "

# owned_pid FILE PATTERN: true when FILE names a live process whose command line matches.
owned_pid() {
    [ -f "$1" ] && process_is "$(cat "$1")" "$2"
}

# stop_daemon FILE PATTERN NAME: TERM, then KILL after 10 s, the process FILE names, if its
# command line is that of CRIBench's daemon (a pid file can outlive its process).
stop_daemon() {
    local file=$1 pattern=$2 name=$3 pid
    [ -f "$file" ] || return 0
    pid=$(cat "$file")
    if process_is "$pid" "$pattern"; then
        log "stopping $name (pid $pid)"
        kill -TERM "$pid" 2>/dev/null
        wait_until 10 bash -c "! kill -0 $pid" || kill -KILL "$pid" 2>/dev/null
        wait_until 5 bash -c "! kill -0 $pid"
    elif kill -0 "$pid" 2>/dev/null; then
        log "pid $pid of $file is no longer $name (now: $(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | cut -c1-80)); leaving it alone"
    fi
    rm -f "$file"
}

# The runtime handlers registered with scripts/add-runtime-handler.sh, one "NAME BINARY" a line.
CRIBENCH_HANDLERS_FILE=$CRIBENCH_STATE_DIR/runtime-handlers
# Names start-containerd.sh gives handlers of its own.
CRIBENCH_BUILTIN_HANDLERS=(runc crun wasm cribench-probe)

# valid_handler NAME BINARY: a name CRIBench writes into containerd's config, and a binary a
# root shim may run (absolute, executable, root's alone up to /).
valid_handler_name() { [[ "$1" =~ ^[a-z][a-z0-9-]{0,30}$ ]]; }
check_handler_binary() {
    [[ "$1" = /* ]] && [ -f "$1" ] && [ -x "$1" ] && valid_setting "$1" \
        || die "'$1' is not an absolute path (of the characters A-Za-z0-9_./:@-) to an executable file"
    check_root_only "$1" "the runtime binary $1"
}

# forwarding_users: the other container daemons and bridges on the node, which may need IPv4
# forwarding on (empty when there are none).
forwarding_users() {
    local daemon
    # pgrep -x matches a name of at most 15 characters: one name per call.
    for daemon in containerd dockerd kubelet libvirtd crio podman; do pgrep -x "$daemon" >/dev/null && echo "$daemon"; done
    ip -o link show type bridge | awk -F': ' '{ print "bridge " $2 }'
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

import Foundation
import Testing

/// The probe handler's runtime (scripts/start-containerd.sh): a script in CRIBench's state
/// directory that containerd's shim runs as runc. A test rewrites it to slow the runtime down.
struct ProbeRuntime {
    static let handler = "cribench-probe"
    let path: String

    /// CRIBench's own runtime has it beside its state; a foreign runtime does not.
    static var current: ProbeRuntime? {
        let path = "\(TestEnvironment.shared.stateDirectory)/probe-runtime"
        return FileManager.default.isExecutableFile(atPath: path) ? ProbeRuntime(path: path) : nil
    }

    /// Runs a test that needs the probe handler when there is one, and always in CI, where a
    /// missing one is a failure (`required()`); elsewhere the test is reported skipped, never
    /// passed.
    static var availableOrCI: ConditionTrait {
        .enabled(
            if: current != nil || RuntimeCrashTests.inCI,
            "needs the probe handler \(handler) of CRIBench's own runtime (scripts/start-containerd.sh)")
    }

    /// The probe runtime, or a failure naming what to do.
    static func required() throws -> ProbeRuntime {
        let endpoint = TestEnvironment.shared.endpoint
        return try #require(
            current, "runtime handler \(handler) is not set up on \(endpoint): run CRIBench's own runtime")
    }

    static var runc: String {
        ["/usr/sbin/runc", "/usr/bin/runc", "/usr/local/sbin/runc", "/usr/local/bin/runc"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        } ?? "runc"
    }

    /// runc, but `create` of an application container (not a pod's pause) waits `milliseconds`
    /// first: under CRI that is StartContainer, which creates and starts the task.
    func slowDownContainerCreate(milliseconds: Int) throws {
        try install(
            """
            #!/bin/sh
            # CRIBench probe runtime, slowed by GateEndToEndTests: create of app containers waits.
            bundle= previous= application='"io.kubernetes.cri.container-type":"container"'
            for argument in "$@"; do
                [ "$previous" = "--bundle" ] && bundle=$argument
                previous=$argument
            done
            case " $* " in
                *" create "*)
                    if [ -n "$bundle" ] && grep -q "$application" "$bundle/config.json"; then
                        sleep \(Double(milliseconds) / 1000)
                    fi ;;
            esac
            exec \(Self.runc) "$@"

            """)
    }

    /// runc, but the node "fills up": after `containers` application containers were created,
    /// every further create fails as a full node's would, with its reason in runc's log (where
    /// containerd's shim reads it from) and on stderr.
    func failContainerCreates(after containers: Int) throws {
        let counter = path + ".created"
        try? FileManager.default.removeItem(atPath: counter)
        try install(
            """
            #!/bin/sh
            # CRIBench probe runtime, set by ScaleCommandTests: the node is full after \(containers) containers.
            bundle= previous= log= application='"io.kubernetes.cri.container-type":"container"'
            for argument in "$@"; do
                [ "$previous" = "--bundle" ] && bundle=$argument
                [ "$previous" = "--log" ] && log=$argument
                previous=$argument
            done
            case " $* " in
                *" create "*)
                    if [ -n "$bundle" ] && grep -q "$application" "$bundle/config.json"; then
                        echo created >> \(counter)
                        if [ "$(wc -l < \(counter))" -gt \(containers) ]; then
                            message="cribench-probe: no room for another container, \
            the node is full after \(containers)"
                            [ -n "$log" ] && printf '{"level":"error","msg":"%s"}\\n' "$message" >> "$log"
                            echo "$message" >&2
                            exit 1
                        fi
                    fi ;;
            esac
            exec \(Self.runc) "$@"

            """)
    }

    /// runc, but every call of `command` waits `milliseconds` first: `exec` is an ExecSync (as
    /// an exec probe makes), `delete` a task's end (what StopContainer and StopPodSandbox wait for).
    func slowDown(_ command: String, milliseconds: Int) throws {
        try install(
            """
            #!/bin/sh
            # CRIBench probe runtime, slowed by a test: \(command) waits.
            case " $* " in
                *" \(command) "*) sleep \(Double(milliseconds) / 1000) ;;
            esac
            exec \(Self.runc) "$@"

            """)
    }

    func restore() throws {
        try? FileManager.default.removeItem(atPath: path + ".created")
        try install("#!/bin/sh\n# CRIBench probe runtime: runc unchanged.\nexec \(Self.runc) \"$@\"\n")
    }

    /// Replaces the script in one rename, so that a shim never runs half of it.
    private func install(_ script: String) throws {
        let staging = path + ".new"
        try script.write(toFile: staging, atomically: false, encoding: .utf8)
        chmod(staging, 0o755)
        guard rename(staging, path) == 0 else {
            throw TestFailure("cannot replace \(path): \(String(cString: strerror(errno)))")
        }
    }
}

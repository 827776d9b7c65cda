import BenchKit
import CRIClient
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

    static var runc: String {
        ["/usr/sbin/runc", "/usr/bin/runc", "/usr/local/sbin/runc", "/usr/local/bin/runc"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "runc"
    }

    /// runc, but `create` of an application container (not a pod's pause) waits `milliseconds`
    /// first: under CRI that is StartContainer, which creates and starts the task.
    func slowDownContainerCreate(milliseconds: Int) throws {
        try install("""
            #!/bin/sh
            # CRIBench probe runtime, slowed by GateEndToEndTests: create of app containers waits.
            bundle= previous=
            for argument in "$@"; do
                [ "$previous" = "--bundle" ] && bundle=$argument
                previous=$argument
            done
            case " $* " in
                *" create "*)
                    if [ -n "$bundle" ] && grep -q '"io.kubernetes.cri.container-type":"container"' "$bundle/config.json"; then
                        sleep \(Double(milliseconds) / 1000)
                    fi ;;
            esac
            exec \(Self.runc) "$@"

            """)
    }

    func restore() throws {
        try install("#!/bin/sh\n# CRIBench probe runtime: runc unchanged.\nexec \(Self.runc) \"$@\"\n")
    }

    /// Replaces the script in one rename, so that a shim never runs half of it.
    private func install(_ script: String) throws {
        let staging = path + ".new"
        try script.write(toFile: staging, atomically: false, encoding: .utf8)
        chmod(staging, 0o755)
        guard rename(staging, path) == 0 else { throw TestFailure("cannot replace \(path): \(String(cString: strerror(errno)))") }
    }
}

/// The nightly gate on the real runtime: a machine's first run records its baseline, an
/// unchanged second run passes, and a runtime made slower in one place is reported as a
/// regression of exactly the op it slowed.
@Suite("Regression gate end to end", .serialized, .timeLimit(.minutes(5)))

struct GateEndToEndTests {
    @Test func unchangedRunsPassAndASlowerRuntimeFailsNamingExactlyTheOpItSlowed() async throws {
        guard let probe = ProbeRuntime.current else {
            let message = "runtime handler \(ProbeRuntime.handler) is not set up on \(TestEnvironment.shared.endpoint): run CRIBench's own runtime (scripts/start-containerd.sh)"
            if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record(Comment(rawValue: message)) }
            return
        }
        let scratch = NSTemporaryDirectory() + "cribench-gate-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let arguments = ["run", "--flows", "container", "--samples", "12", "--warmup", "2", "--oci-handler", ProbeRuntime.handler,
                         "--history", "\(scratch)/history", "--results-dir", "\(scratch)/results", "--threshold", "1.5", "--noise-floor-ms", "30"]
        let ledger = ["CRIBENCH_LEDGER_DIR": "\(scratch)/ledger"]

        let first = try BenchProcess.run(arguments, environment: ledger)
        #expect(first.code == 0, "first run: \(first.err)")
        #expect(first.err.contains("recorded this machine's first baseline"), "\(first.err)")

        let second = try BenchProcess.run(arguments, environment: ledger)
        #expect(second.code == 0, "an unchanged second run passes: \(second.err)")
        #expect(second.err.contains("no regression in 10 op(s) against this machine's last 1 run(s)"), "\(second.err)")

        // Against a history of one 12-sample run, unchanged ops of this VM were seen up to 1.55x
        // and 22 ms apart (StopContainer, 40 vs 62 ms, on both sides at once): the test gates at
        // 1.5x with a 30 ms noise floor and slows start by 100 ms (about 2.5x, 100 ms apart).
        try probe.slowDownContainerCreate(milliseconds: 100)
        defer { try? probe.restore() }
        let slowed = try BenchProcess.run(arguments, environment: ledger)
        try probe.restore()
        let flagged = slowed.err.split(separator: "\n").filter { $0.contains("REGRESSION ") }
            .compactMap { $0.split(separator: " ").dropFirst(2).first.map { String($0.dropLast()) } }
        #expect(slowed.code != 0, "a runtime 100 ms slower to create app containers fails the gate: \(slowed.err)")
        #expect(flagged == ["ContainerInCri/start/oci"], "exactly StartContainer of the slowed side: \(slowed.err)")
    }
}

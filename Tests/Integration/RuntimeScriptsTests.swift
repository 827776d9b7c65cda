import BenchKit
import CRIClient
import Foundation
import Testing

/// The runtime scripts on a node that holds other things: a second CRIBench runtime started
/// with every setting overridden is what `bench` and the suite then use with nothing but
/// CRIBENCH_STATE_DIR, and stopping it spares the first runtime, its pod, a foreign process,
/// a foreign network namespace and a foreign directory, whatever a careless caller passes.
@Suite("Runtime scripts on a shared node", .serialized, .timeLimit(.minutes(10)))
struct RuntimeScriptsTests {
    static let scripts = BenchProcess.repository.appendingPathComponent("scripts").path

    /// Runs one of the scripts with a fresh shell's environment plus `settings`.
    static func script(_ name: String, _ settings: [String: String]) throws -> (code: Int32, out: String, err: String) {
        try ChildProcess.run(
            "/bin/bash", ["\(scripts)/\(name)"], environment: ChildProcess.cleanEnvironment.merging(settings) { $1 })
    }

    @Test(.enabled(if: getuid() == 0, "starts a second containerd, which needs root"))
    func overriddenRuntimeIsFollowedAndItsStopSparesEverythingElse() async throws {
        let tag = randomSuffix(length: 6)
        let other = OtherRuntime(tag: tag, registryPort: try freeLocalPort())
        let foreign = try ForeignThings(tag: tag)
        defer {
            _ = try? Self.script("stop-containerd.sh", other.settings.merging(["CRIBENCH_PURGE": "1"]) { $1 })
            foreign.remove()
        }

        try await withRuntime { client in
            try await withPodSandbox(client, name: "bystander") { bystander in
                let marker = "CRIBENCH_CALLER_MARKER=\(tag)"
                let started = try Self.script(
                    "start-containerd.sh", other.settings.merging(["CRIBENCH_CALLER_MARKER": tag]) { $1 })
                try #require(
                    started.code == 0, "start-containerd.sh with overrides failed: \(started.err.suffix(2000))")
                // containerd, and so every shim and runtime it starts, has none of the caller's variables.
                let daemon = try String(contentsOfFile: "\(other.stateDirectory)/run/containerd.pid", encoding: .utf8)
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                let environ = try Data(contentsOf: URL(fileURLWithPath: "/proc/\(daemon)/environ"))
                let variables = environ.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
                #expect(
                    !variables.contains(marker) && variables.allSatisfy { !$0.hasPrefix("CRIBENCH_") }, "\(variables)")
                #expect(variables.contains { $0.hasPrefix("PATH=") })
                #expect(started.out.contains("unix://\(other.stateDirectory)/run/containerd.sock"))

                // One source: the recorded settings, read back with nothing but the state directory.
                let node = try NodeSettings.load(environment: ["CRIBENCH_STATE_DIR": other.stateDirectory])
                #expect(node.sourceFile == other.stateDirectory + "/cribench.env")
                #expect(node.registry == other.settings["CRIBENCH_REGISTRY"])
                #expect(node.cgroupParent == other.settings["CRIBENCH_CGROUP_PARENT"])
                #expect(node.busyboxImage.hasPrefix(other.settings["CRIBENCH_REGISTRY"]! + "/"))

                // bench finds the other runtime, its images and its cgroup from that file alone.
                let results = NSTemporaryDirectory() + "cribench-scripts-test-\(tag)"
                defer { try? FileManager.default.removeItem(atPath: results) }
                let bench = try ChildProcess.run(
                    BenchProcess.executable.path,
                    ["run", "--flows", "pod,container", "--samples", "1", "--warmup", "0", "--results-dir", results],
                    environment: ChildProcess.cleanEnvironment.merging([
                        "CRIBENCH_STATE_DIR": other.stateDirectory, "CRIBENCH_LEDGER_DIR": results + "/ledger",
                    ]) { $1 })
                #expect(bench.code == 0, "bench against the overridden runtime failed: \(bench.err.suffix(1500))")
                #expect(
                    bench.err.contains("against unix://\(other.stateDirectory)/run/containerd.sock"),
                    "\(bench.err.prefix(600))")

                // A pod of the other runtime, left running for its stop to end: it is on the
                // overridden subnet and in the overridden cgroup parent.
                let (leftPausePid, leftPodID) = try await withCRIClient(
                    endpoint: node.endpoint, timeout: .seconds(60)
                ) { otherClient in
                    let name = "left-running-\(tag)"
                    let config = PodSandboxConfig.make(
                        name: name, uid: name, namespace: Ownership.podNamespace,
                        logDirectory: "\(node.podLogRoot)/\(name)", labels: Ownership.labels(run: RunID.make()),
                        cgroupParent: node.cgroupParent)
                    let id = try await otherClient.runPodSandbox(config, runtimeHandler: "runc")
                    let ip = try await otherClient.podSandboxStatus(id).status.network.ip
                    #expect(node.subnetContains(ip), "pod IP \(ip) is not in the overridden subnet \(node.subnet)")
                    #expect(!TestEnvironment.shared.node.subnetContains(ip))
                    let processes = try #require(NodeProcesses(), "no cgroup hierarchy found")
                    let pid = try #require(
                        processes.processes(cgroupParent: node.cgroupParent, id: id).first,
                        "no process in the pod's cgroup under \(node.cgroupParent)")
                    return (pid, id)
                }
                // Where stop looks for a killed shim's socket (lib.sh's shim_socket) is where it listens.
                let named = try ChildProcess.run(
                    "/bin/bash", ["-c", "source \(Self.scripts)/lib.sh && shim_socket k8s.io \(leftPodID)"],
                    environment: ChildProcess.cleanEnvironment.merging(other.settings) { $1 })
                #expect(
                    named.code == 0 && FileManager.default.fileExists(atPath: named.out),
                    "the pod's shim does not listen on \(named.out), where shim_socket says: \(named.err)")

                // A careless stop: the caller's environment names the foreign cgroup as parent.
                let stopped = try Self.script(
                    "stop-containerd.sh",
                    other.settings.merging(["CRIBENCH_CGROUP_PARENT": foreign.cgroupParent]) { $1 })
                #expect(stopped.code == 0, "stop failed: \(stopped.err)")
                #expect(kill(leftPausePid, 0) != 0, "the stopped runtime's pod process \(leftPausePid) survived")
                let shims = NodeProcesses.allCommandLines().filter { $0.contains("-address \(node.socketPath)") }
                #expect(shims.isEmpty, "the stopped runtime's shims survived: \(shims)")
                #expect(
                    !FileManager.default.fileExists(atPath: node.socketPath),
                    "the stopped runtime's socket is still there")
                #expect(
                    !FileManager.default.fileExists(
                        atPath: (NodeProcesses()?.cgroupRoot ?? "") + other.settings["CRIBENCH_CGROUP_PARENT"]!))
                #expect(
                    !FileManager.default.fileExists(
                        atPath: "/sys/fs/cgroup/cpuacct\(other.settings["CRIBENCH_CGROUP_PARENT"]!)-runtime"),
                    "the stopped runtime's own cgroup is still there")
                #expect(!FileManager.default.fileExists(atPath: "/sys/class/net/\(other.settings["CRIBENCH_BRIDGE"]!)"))
                try foreign.expectIntact()

                // Stale pid files that now name the foreign process.
                for file in ["containerd.pid", "registry.pid"] {
                    try String(foreign.pid).write(
                        toFile: "\(other.stateDirectory)/run/\(file)", atomically: true, encoding: .utf8)
                }
                let again = try Self.script("stop-containerd.sh", other.settings)
                #expect(again.code == 0, "second stop failed: \(again.err)")
                #expect(again.err.contains("no longer"), "stop should say why it leaves the pid alone: \(again.err)")
                try foreign.expectIntact()

                // State directories that are not CRIBench's are refused before anything is touched.
                let root = try Self.script("stop-containerd.sh", ["CRIBENCH_STATE_DIR": "/", "CRIBENCH_PURGE": "1"])
                #expect(root.code != 0 && root.err.contains("system directory"), "\(root.err)")
                // Under /tmp (writable by all) it is refused before its contents are even looked at.
                let stranger = try Self.script(
                    "stop-containerd.sh", ["CRIBENCH_STATE_DIR": foreign.directory, "CRIBENCH_PURGE": "1"])
                #expect(
                    stranger.code != 0
                        && (stranger.err.contains("not CRIBench's")
                            || stranger.err.contains("writable by group or others")),
                    "\(stranger.err)")
                try foreign.expectIntact()

                // The first runtime and its pod went through all of it.
                #expect(try await client.podSandboxStatus(bystander.id).status.state == .sandboxReady)
                #expect(FileManager.default.fileExists(atPath: "/sys/class/net/\(TestEnvironment.shared.node.bridge)"))
            }
        }
    }
}

extension RuntimeScriptsTests {
    /// A state directory another user owns, or one group or others may write to, could feed
    /// the root scripts settings, pid files and a runtime to run: start and stop refuse it,
    /// naming the path and why, before reading anything in it.
    @Test(
        .enabled(if: getuid() == 0, "makes directories owned by another user"),
        arguments: [
            (owner: uid_t(65534), mode: mode_t(0o755), reason: "is owned by uid 65534, not root"),
            (owner: uid_t(0), mode: mode_t(0o775), reason: "is writable by group or others (mode 775)"),
        ])
    func anUntrustedStateDirectoryIsRefused(owner: uid_t, mode: mode_t, reason: String) throws {
        let directory = "/var/lib/cribench-untrusted-\(randomSuffix(length: 6))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(chown(directory, owner, 0) == 0 && chmod(directory, mode) == 0)
        // What a planted directory would hold: settings that point the scripts elsewhere.
        try "CRIBENCH_STATE_DIR=\(directory)\nCRIBENCH_WASM_RUNTIME=/tmp/planted\n"
            .write(toFile: "\(directory)/cribench.env", atomically: false, encoding: .utf8)
        for name in ["start-containerd.sh", "stop-containerd.sh"] {
            let run = try Self.script(name, ["CRIBENCH_STATE_DIR": directory])
            #expect(run.code != 0 && run.err.contains("\(directory) \(reason)"), "\(name): \(run.err)")
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: directory)
        #expect(left == ["cribench.env"], "nothing was made in it: \(left)")
    }
}

extension RuntimeScriptsTests {
    /// A relative state directory would be looked up in whatever directory a script runs from,
    /// where anybody may have planted a cribench.env: refused before the file is read.
    @Test func aRelativeStateDirectoryIsRefusedBeforeItsSettingsAreRead() throws {
        let cwd = NSTemporaryDirectory() + "cribench-relative-\(randomSuffix(length: 6))"
        try FileManager.default.createDirectory(atPath: "\(cwd)/planted", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: cwd) }
        try "CRIBENCH_WASM_RUNTIME=/tmp/planted-runtime\n".write(
            toFile: "\(cwd)/planted/cribench.env", atomically: false, encoding: .utf8)
        let run = try ChildProcess.run(
            "/bin/bash",
            [
                "-c", "cd \"$1\" && source \"$2/lib.sh\" && echo \"runtime=$CRIBENCH_WASM_RUNTIME\"",
                "test", cwd, Self.scripts,
            ],
            environment: ChildProcess.cleanEnvironment.merging(["CRIBENCH_STATE_DIR": "planted"]) { $1 })
        #expect(run.code != 0 && run.err.contains("is not an absolute path"), "\(run.out) \(run.err)")
        #expect(!run.out.contains("/tmp/planted-runtime"))
    }
}

/// A second CRIBench runtime with every setting of its own.
struct OtherRuntime {
    let stateDirectory: String
    let settings: [String: String]

    init(tag: String, registryPort: Int) {
        stateDirectory = "/var/lib/cribench-test-\(tag)"
        settings = [
            "CRIBENCH_STATE_DIR": stateDirectory,
            "CRIBENCH_REGISTRY": "127.0.0.1:\(registryPort)",
            "CRIBENCH_SUBNET": "10.231.\(Int.random(in: 1...250)).0/24",
            "CRIBENCH_BRIDGE": "cbt\(tag)",
            "CRIBENCH_CGROUP_PARENT": "/cribench-test-\(tag)",
        ]
    }
}

/// Things on the node that are not CRIBench's, named like CRIBench's where that could fool a
/// careless script: a process in a cgroup of its own, a network namespace called cni-…, and a
/// directory with a file.
struct ForeignThings {
    let pid: pid_t
    let cgroupParent: String
    let netns: String
    let directory: String
    let createdNetnsDirectory: Bool

    init(tag: String) throws {
        cgroupParent = "/foreign-\(tag)"
        netns = "cni-foreign-\(tag)"
        directory = NSTemporaryDirectory() + "foreign-state-\(tag)"
        createdNetnsDirectory = !FileManager.default.fileExists(atPath: "/var/run/netns")
        pid = try ChildProcess.spawn("/bin/sleep", ["600"], environment: ChildProcess.cleanEnvironment)
        let root = try #require(NodeProcesses()?.cgroupRoot, "no cgroup hierarchy found")
        try FileManager.default.createDirectory(atPath: root + cgroupParent, withIntermediateDirectories: false)
        try String(pid).write(toFile: root + cgroupParent + "/cgroup.procs", atomically: false, encoding: .utf8)
        let added = try ChildProcess.run(
            "/usr/sbin/ip", ["netns", "add", netns], environment: ChildProcess.cleanEnvironment)
        guard added.code == 0 else { throw TestFailure("ip netns add \(netns): \(added.err)") }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "not CRIBench's".write(toFile: directory + "/data", atomically: true, encoding: .utf8)
    }

    func expectIntact() throws {
        var status: Int32 = 0
        #expect(waitpid(pid, &status, WNOHANG) == 0, "a foreign process (pid \(pid)) was killed")
        #expect(
            FileManager.default.fileExists(atPath: "/var/run/netns/\(netns)"),
            "the foreign network namespace \(netns) was removed")
        #expect(FileManager.default.fileExists(atPath: directory + "/data"), "a foreign directory's file was removed")
    }

    func remove() {
        kill(pid, SIGKILL)
        _ = try? ChildProcess.wait(pid)
        _ = try? ChildProcess.run(
            "/usr/sbin/ip", ["netns", "delete", netns], environment: ChildProcess.cleanEnvironment)
        if createdNetnsDirectory { rmdir("/var/run/netns") }
        if let root = NodeProcesses()?.cgroupRoot { rmdir(root + cgroupParent) }
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// A TCP port on 127.0.0.1 nobody listens on now (the kernel picks it).
func freeLocalPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestFailure("socket: \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
        }
    }
    guard bound else { throw TestFailure("bind 127.0.0.1:0: \(String(cString: strerror(errno)))") }
    return Int(UInt16(bigEndian: address.sin_port))
}

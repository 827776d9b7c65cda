import BenchKit
import CRIClient
import Foundation
import Testing

/// CRIBench's own containerd, found by the pid file scripts/start-containerd.sh writes next to
/// the socket, so that a test can kill it and start it again as it was.
struct OwnContainerd {
    let pidFile: String
    let pid: pid_t
    let commandLine: [String]

    static var current: OwnContainerd? {
        let pidFile = URL(fileURLWithPath: TestEnvironment.shared.endpoint.socketPath)
            .deletingLastPathComponent().appendingPathComponent("containerd.pid").path
        guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
            let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), kill(pid, 0) == 0,
            let commandLine = Self.commandLine(of: pid), commandLine.first?.hasSuffix("containerd") == true
        else { return nil }
        return OwnContainerd(pidFile: pidFile, pid: pid, commandLine: commandLine)
    }

    static func commandLine(of pid: pid_t) -> [String]? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), !data.isEmpty else { return nil }
        return data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }

    /// SIGKILL, as a crash would: the shims and their containers live on.
    func crash() async throws {
        kill(pid, SIGKILL)
        let deadline = ContinuousClock.now + .seconds(30)
        while kill(pid, 0) == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
    }

    /// Starts containerd again with the same command line, in a session of its own, logging
    /// where it logged before, and points the pid file at it (stop-containerd.sh reads it).
    func restart() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
        process.arguments = commandLine
        let log = URL(fileURLWithPath: pidFile).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("log/containerd.log").path
        let output = FileHandle(forWritingAtPath: log) ?? FileHandle.nullDevice
        output.seekToEndOfFile()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // setsid forks when it starts as a process group leader: find containerd by its command line.
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            let pids = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { pid_t($0) }
            if let pid = pids.first(where: { $0 != self.pid && Self.commandLine(of: $0) == commandLine }) {
                try "\(pid)\n".write(toFile: pidFile, atomically: true, encoding: .utf8)
                // Back into the runtime's own cgroup, where start-containerd.sh put it (bench
                // scale reads the runtime's CPU there).
                let record = URL(fileURLWithPath: pidFile).deletingLastPathComponent().appendingPathComponent(
                    "runtime-cgroups"
                ).path
                for directory in ((try? String(contentsOfFile: record, encoding: .utf8)) ?? "").split(separator: "\n") {
                    try "\(pid)\n".write(toFile: "\(directory)/cgroup.procs", atomically: false, encoding: .utf8)
                }
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestFailure("containerd did not come back after restarting it with \(commandLine.joined(separator: " "))")
    }
}

@Suite("Runtime stopped mid-run", .serialized, .timeLimit(.minutes(10)))
struct RuntimeCrashTests {
    static let inCI = ProcessInfo.processInfo.environment["CI"] == "true"

    /// containerd dies during a benchmark: the run fails with a line naming the endpoint; once
    /// containerd is back, `bench cleanup --run ID` removes what the broken run left (its
    /// labelled pods and containers, and the images its ledger lists), and a new run works.
    @Test(.enabled(if: inCI || OwnContainerd.current != nil, "needs CRIBench's own containerd, to kill and restart it"))
    func benchFailsClearlyAndCleanupRemovesWhatTheBrokenRunLeft() async throws {
        let containerd = try #require(
            OwnContainerd.current, "CRIBench's containerd (a pid file beside the socket) is needed to test a crash")
        let scratch = NSTemporaryDirectory() + "cribench-crash-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let ledgerEnvironment = [ImageLedger.directoryEnvironmentVariable: "\(scratch)/ledger"]
        let ledger = ImageLedger(directory: "\(scratch)/ledger")

        // The idle images the container flow pulls when they are absent, as on a clean runtime.
        let idleImages = [Workload.defaultOCI().idleImage, Workload.defaultWasm().idleImage]
        let absentBefore = try await withRuntime { client in
            var absent: [String] = []
            for image in idleImages where try await client.imageStatus(image) == nil { absent.append(image) }
            return absent
        }
        // Only images absent before can show that bench's ledger and cleanup work (one the node
        // held, another team's busybox say, is neither pulled nor removed): at least one must be.
        try #require(
            !absentBefore.isEmpty,
            Comment(
                rawValue:
                    "every idle image (\(idleImages)) is on the node already, so the cleanup checks would hold "
                    + "whatever bench "
                    + "does"))

        let bench = BenchProcess(
            [
                "run", "--flows", "container", "--samples", "500", "--warmup", "0", "--results-dir",
                "\(scratch)/results",
            ],
            environment: ledgerEnvironment)
        try bench.process.run()
        let watchdog = Task {
            try await Task.sleep(for: .seconds(240))
            bench.process.terminate()
        }
        defer { watchdog.cancel() }
        var seen = bench.readStderr(until: "ContainerInCri: sample 3/500")
        let runID = BenchProcess.runID(announcedIn: seen)

        try await containerd.crash()
        seen += String(decoding: bench.stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        _ = bench.stdout.fileHandleForReading.readDataToEndOfFile()
        bench.process.waitUntilExit()
        try await containerd.restart()
        try await eventually(timeout: .seconds(60), "containerd answers CRI again after the restart") {
            (try? await withRuntime { try await $0.version() }) != nil
        }

        #expect(seen.contains("ContainerInCri: sample 3/500"), "bench should have been sampling: \(seen)")
        let run = try #require(runID, "bench names its run on stderr: \(seen)")
        #expect(bench.process.terminationStatus == 1, "exit code of the broken run: \(bench.process.terminationStatus)")
        let lastLine = seen.split(separator: "\n").last { $0.hasPrefix("Error: ") } ?? ""
        #expect(
            lastLine.contains(TestEnvironment.shared.endpoint.description), "the error names the endpoint: \(lastLine)")

        let selector = [Ownership.ownerLabel: Ownership.ownerValue, Ownership.runLabel: run]
        let pulled = try ledger.entries(run: run).map(\.image)
        #expect(
            Set(absentBefore).isSubset(of: pulled),
            "the ledger lists the images the broken run pulled: \(pulled), expected \(absentBefore)")
        try await withRuntime { client in
            let pods = try await client.listPodSandbox(labels: selector)
            #expect(!pods.isEmpty, "the broken run should have left its ready sandboxes behind")
        }

        let cleanup = try BenchProcess.run(["cleanup", "--run", run], environment: ledgerEnvironment)
        #expect(cleanup.code == 0, "bench cleanup: \(cleanup.err)")
        let left = try await runLeftovers(run)
        #expect(left == 0, "cleanup left \(left) pods and containers of run \(run)")
        try await withRuntime { client in
            for image in pulled {
                let status = try await client.imageStatus(image)
                #expect(
                    status == nil,
                    "cleanup should remove \(image), which the broken run pulled")
            }
        }
        #expect(try ledger.entries(run: run).isEmpty)

        let again = try BenchProcess.run(
            ["run", "--flows", "pod", "--samples", "2", "--warmup", "0", "--results-dir", "\(scratch)/results"],
            environment: ledgerEnvironment)
        #expect(again.code == 0, "a new run after the restart: \(again.err)")
        #expect(try ledger.entries().isEmpty, "a run that ends normally leaves nothing in the ledger")
    }
}

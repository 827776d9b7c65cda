import BenchKit
import CRIClient
import Foundation
import Testing

/// The `bench` command as a user runs it: a separate process, its exit code and its output.
struct BenchProcess {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static var executable: URL { repository.appendingPathComponent(".build/debug/bench") }

    let process = Process()
    let stdout = Pipe(), stderr = Pipe()

    init(_ arguments: [String], environment extra: [String: String] = [:]) {
        process.executableURL = Self.executable
        process.arguments = arguments
        process.standardOutput = stdout
        process.standardError = stderr
        process.environment = Self.environment(extra)
    }

    /// The suite's environment for a bench it runs: the suite's endpoint, and a ledger of the
    /// suite's own (never the user's) for the images its runs record.
    static func environment(_ extra: [String: String]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment[CRIEndpoint.environmentVariable] = TestEnvironment.shared.endpoint.description
        environment["CRIBENCH_LEDGER_DIR"] = NSTemporaryDirectory() + "cribench-test-ledger-\(getpid())"
        return environment.merging(extra) { $1 }
    }

    /// Reads stderr until `marker` appears, the stream ends or `timeout` passes, whichever
    /// comes first (each read waits in poll(2) for at most what is left); returns what it read.
    func readStderr(until marker: String, timeout: Duration = .seconds(120)) -> String {
        let fd = stderr.fileHandleForReading.fileDescriptor
        var seen = ""
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !seen.contains(marker) {
            let left = deadline - clock.now
            guard left > .zero else { break }
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let waitMs = Int32(min(left.nanoseconds / 1_000_000 + 1, Int64(Int32.max)))
            guard poll(&descriptor, 1, waitMs) > 0 else { continue }
            let count = read(fd, &buffer, buffer.count)
            if count <= 0 { break }
            seen += String(decoding: buffer[0..<count], as: UTF8.self)
        }
        return seen
    }

    /// Ctrl-C in the middle: starts bench, waits for `marker` on stderr, runs `beforeSignals`,
    /// sends `signals` (SIGINT; SIGTERM is what Kubernetes sends) one after the other, and reads
    /// both streams to their end (stderr on a thread of its own, so neither pipe fills up).
    /// `lastSignalToExit` is how long bench took to end after the last signal.
    func interrupt(
        after marker: String, with signals: [Int32] = [SIGINT], beforeSignals: () throws -> Void = {}
    ) throws
        -> (sawMarker: Bool, stderr: String, stdout: String, status: Int32, lastSignalToExit: Duration)
    {
        try start()
        var seen = readStderr(until: marker)
        let sawMarker = seen.contains(marker)
        do { try beforeSignals() } catch {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw error
        }
        var lastSignal = ContinuousClock.now
        for (index, signal) in signals.enumerated() {
            lastSignal = .now
            kill(process.processIdentifier, signal)
            // The next signal comes once bench says it is cleaning up after this one.
            if index < signals.count - 1 { seen += readStderr(until: "stopping, cleaning up", timeout: .seconds(10)) }
        }
        let errors = PipeReader(stderr.fileHandleForReading)
        let out = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        seen += String(decoding: errors.wait(), as: UTF8.self)
        process.waitUntilExit()
        return (sawMarker, seen, out, process.terminationStatus, ContinuousClock.now - lastSignal)
    }

    /// Starts bench with a deadline of its own: a bench still running after `deadline` is
    /// killed, so that a hung child fails its test instead of hanging the suite.
    func start(deadline: Duration = .seconds(300)) throws {
        try process.run()
        let pid = process.processIdentifier, process = self.process
        Task.detached {
            try await Task.sleep(for: deadline)
            if process.isRunning {
                FileHandle.standardError.write(
                    Data("[test] bench (pid \(pid)) outlived its \(deadline): killed\n".utf8))
                kill(pid, SIGKILL)
            }
        }
    }

    /// The id a run announces on stderr: "[bench] run ID against ...".
    static func runID(announcedIn progress: String) -> String? {
        progress.split(separator: "\n").first { $0.hasPrefix("[bench] run ") }?.split(separator: " ")[2].description
    }

    /// Runs to the end; returns exit code, stdout and stderr.
    static func run(
        _ arguments: [String], environment: [String: String] = [:]
    ) throws -> (code: Int32, out: String, err: String) {
        try ChildProcess.run(executable.path, arguments, environment: Self.environment(environment))
    }
}

@Suite("bench command", .serialized, .timeLimit(.minutes(10)))
struct BenchCommandTests {
    /// A child that hangs is stopped at its deadline and fails the test that waited for it,
    /// instead of hanging the whole run (a suite's time limit cannot end a blocked waitpid).
    @Test func aChildThatHangsIsStoppedAtItsDeadline() throws {
        let clock = ContinuousClock()
        let began = clock.now
        let error = #expect(throws: TestFailure.self) {
            try ChildProcess.run("/bin/sleep", ["60"], environment: ChildProcess.cleanEnvironment, timeout: .seconds(1))
        }
        #expect(clock.now - began < .seconds(10))
        #expect(error?.description.contains("/bin/sleep 60 did not end within") == true, "\(String(describing: error))")
        let quick = try ChildProcess.run(
            "/bin/sh", ["-c", "exit 3"], environment: ChildProcess.cleanEnvironment, timeout: .seconds(5))
        #expect(quick.code == 3, "a child that ends in time gives its exit code")
    }

    @Test func helpWorks() throws {
        let result = try BenchProcess.run(["--help"])
        #expect(result.code == 0)
        #expect(result.out.contains("run") && result.out.contains("cleanup"))
    }

    /// bench says its own version as well as the runtime's.
    @Test func versionNamesBenchAndTheRuntime() throws {
        let flag = try BenchProcess.run(["--version"])
        #expect(flag.code == 0 && flag.out == "CRIBench \(BenchVersion.current)\n", "\(flag)")
        let version = try BenchProcess.run(["version"])
        #expect(version.code == 0, "\(version.err)")
        #expect(
            version.out.hasPrefix("bench: CRIBench \(BenchVersion.current), CRIClient on gRPC C core "),
            "\(version.out)")
        #expect(version.out.contains("\nruntime: containerd "), "\(version.out)")
    }

    @Test func unreachableEndpointIsOneLineNamingIt() throws {
        let result = try BenchProcess.run(["version", "-r", "unix:///run/cribench-nowhere.sock"])
        #expect(result.code != 0)
        let lines = result.err.split(separator: "\n")
        #expect(lines.count == 1, "one line: \(result.err)")
        #expect(result.err.contains("unix:///run/cribench-nowhere.sock"))
    }

    @Test(arguments: [
        (["run", "--samples", "0"], "--samples"),
        (["run", "--samples", "-3"], "--samples"),
        (["run", "--threshold", "0.9"], "--threshold"),
        (["run", "--flows", "image,teleport"], "teleport"),
        (["run", "--results-dir", "/proc/cribench-cannot-exist", "--samples", "1"], "/proc/cribench-cannot-exist"),
        (["cleanup"], "--run"),
    ])
    func badFlagsAreRefusedNamingThem(arguments: [String], culprit: String) throws {
        let result = try BenchProcess.run(arguments)
        #expect(result.code != 0)
        #expect(result.err.contains(culprit), "\(arguments): \(result.err)")
        #expect(result.out.isEmpty, "nothing on stdout but results")
    }

    /// Ctrl-C during a long benchmark: exit 130, what the run created is removed, and the
    /// results measured so far are written and marked partial.
    /// Two runs on one runtime disturb each other's figures (and one's image flow removes what
    /// the other uses): the second is refused at once, naming the first; after it, runs work again.
    @Test func aSecondRunOnTheSameRuntimeIsRefusedWhileTheFirstRuns() async throws {
        let resultsRoot = NSTemporaryDirectory() + "cribench-lock-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: resultsRoot) }
        let first = BenchProcess([
            "run", "--flows", "pod", "--samples", "500", "--warmup", "0", "--results-dir", resultsRoot,
        ])
        try first.start()
        let seen = first.readStderr(until: "sample 2/500")
        #expect(seen.contains("sample 2/500"), "the first run should be sampling: \(seen)")
        let second = try BenchProcess.run([
            "run", "--flows", "pod", "--samples", "1", "--warmup", "0", "--results-dir", resultsRoot,
        ])
        kill(first.process.processIdentifier, SIGINT)
        let drained = PipeReader(first.stderr.fileHandleForReading)
        _ = first.stdout.fileHandleForReading.readDataToEndOfFile()
        _ = drained.wait()
        first.process.waitUntilExit()
        #expect(second.code != 0, "\(second.err)")
        #expect(second.err.contains("another CRIBench run (pid \(first.process.processIdentifier))"), "\(second.err)")
        #expect(second.out.isEmpty, "the refused run measured nothing")
        let third = try BenchProcess.run([
            "run", "--flows", "pod", "--samples", "1", "--warmup", "0", "--results-dir", resultsRoot,
        ])
        #expect(third.code == 0, "the lock went with the first run: \(third.err)")
    }

    /// In the pod flow and in the container flow (a container in the middle of its lifecycle),
    /// with a ledger of the test's own, never the user's.
    @Test(arguments: [
        ("pod,container", "PodSandboxInCri/op=run", SIGINT), ("container", "ContainerInCri/op=create", SIGINT),
        ("container", "ContainerInCri/op=create", SIGTERM),
    ])
    func interruptCleansUpAndKeepsPartialResults(flows: String, measuredOp: String, signal: Int32) async throws {
        let resultsRoot = NSTemporaryDirectory() + "cribench-sigint-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: resultsRoot) }
        let bench = BenchProcess(
            ["run", "--flows", flows, "--samples", "500", "--warmup", "0", "--results-dir", resultsRoot],
            environment: ["CRIBENCH_LEDGER_DIR": resultsRoot + "/ledger"])
        let (sawMarker, seen, out, status, _) = try bench.interrupt(after: "sample 3/500", with: [signal])
        #expect(sawMarker, "bench should be sampling: \(seen)")
        let runID = try #require(BenchProcess.runID(announcedIn: seen))

        #expect(status == 128 + signal, "exit code after signal \(signal): \(status); \(seen)")
        #expect(out.contains("partial: true"))
        #expect(out.contains("Benchmark\(measuredOp)/kind=oci-"), "samples measured before the signal are reported")
        let runs = try FileManager.default.contentsOfDirectory(atPath: resultsRoot).filter { $0 != "ledger" }
        let json = try #require(
            runs.first.flatMap { FileManager.default.contents(atPath: "\(resultsRoot)/\($0)/results.json") })
        let report = try JSONSerialization.jsonObject(with: json) as! [String: Any]
        #expect(report["partial"] as? Bool == true)
        try await withRuntime { client in
            let selector = [Ownership.ownerLabel: Ownership.ownerValue, Ownership.runLabel: runID]
            let pods = try await client.listPodSandbox(labels: selector)
            let containers = try await client.listContainers(labels: selector)
            #expect(
                pods.isEmpty && containers.isEmpty,
                "run \(runID) left \(pods.count) pods and \(containers.count) containers")
        }
    }

    /// A second signal quits at once, as bench says it will, leaving what the first one's
    /// cleanup had not removed yet; `bench cleanup --run` removes that. The OCI side runs under
    /// the probe handler, whose every delete is slowed to 2.5 s once sampling is under way, so the
    /// first signal's cleanup is still busy when the second arrives. The delay stays well short
    /// of the 10 s containerd gives a task's delete: a delete past it leaves a shim containerd
    /// has lost track of.
    @Test(ProbeRuntime.availableOrCI)
    func aSecondSignalQuitsAtOnceAndCleanupRemovesWhatItLeft() async throws {
        let probe = try ProbeRuntime.required()
        defer { try? probe.restore() }
        let deleteDelayMilliseconds = 2500
        let scratch = NSTemporaryDirectory() + "cribench-twice-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let ledger = ["CRIBENCH_LEDGER_DIR": scratch + "/ledger"]
        let bench = BenchProcess(
            [
                "run", "--flows", "container", "--samples", "500", "--warmup", "0", "--oci-handler",
                ProbeRuntime.handler, "--results-dir", scratch,
            ],
            environment: ledger)
        let (sawMarker, seen, _, status, quitIn) = try bench.interrupt(
            after: "sample 3/500", with: [SIGTERM, SIGINT],
            beforeSignals: { try probe.slowDown("delete", milliseconds: deleteDelayMilliseconds) })
        #expect(sawMarker, "bench should be sampling: \(seen)")
        let runID = try #require(BenchProcess.runID(announcedIn: seen))
        #expect(status == 128 + SIGINT, "the second signal's exit code: \(status); \(seen.suffix(600))")
        // Quitting at once takes milliseconds; waiting for even one slowed delete would take longer.
        #expect(
            quitIn < .milliseconds(deleteDelayMilliseconds) / 2,
            "bench took \(quitIn) after the second signal, which should end it at once")
        let left = try await runLeftovers(runID)
        #expect(left > 0, "the second signal quit before the cleanup, so something of the run is left")
        try probe.restore()
        let cleanup = try BenchProcess.run(["cleanup", "--run", runID], environment: ledger)
        #expect(cleanup.code == 0, "bench cleanup: \(cleanup.err)")
        let after = try await runLeftovers(runID)
        #expect(after == 0, "after cleanup, run \(runID) still has \(after) pods and containers")
    }
}

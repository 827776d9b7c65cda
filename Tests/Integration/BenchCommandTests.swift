import BenchKit
import CRIClient
import Foundation
import Testing

/// The `bench` command as a user runs it: a separate process, its exit code and its output.
struct BenchProcess {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
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

    /// Ctrl-C in the middle: starts bench, waits for `marker` on stderr, sends SIGINT and reads
    /// both streams to their end (stderr on a thread of its own, so neither pipe fills up).
    func interrupt(after marker: String) throws -> (sawMarker: Bool, stderr: String, stdout: String, status: Int32) {
        try process.run()
        var seen = readStderr(until: marker)
        let sawMarker = seen.contains(marker)
        kill(process.processIdentifier, SIGINT)
        let errors = PipeReader(stderr.fileHandleForReading)
        let out = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        seen += String(decoding: errors.wait(), as: UTF8.self)
        process.waitUntilExit()
        return (sawMarker, seen, out, process.terminationStatus)
    }

    /// The id a run announces on stderr: "[bench] run ID against ...".
    static func runID(announcedIn progress: String) -> String? {
        progress.split(separator: "\n").first { $0.hasPrefix("[bench] run ") }?.split(separator: " ")[2].description
    }

    /// Runs to the end; returns exit code, stdout and stderr.
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (code: Int32, out: String, err: String) {
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
        let quick = try ChildProcess.run("/bin/sh", ["-c", "exit 3"], environment: ChildProcess.cleanEnvironment, timeout: .seconds(5))
        #expect(quick.code == 3, "a child that ends in time gives its exit code")
    }

    @Test func helpWorks() throws {
        let result = try BenchProcess.run(["--help"])
        #expect(result.code == 0)
        #expect(result.out.contains("run") && result.out.contains("cleanup"))
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
        let first = BenchProcess(["run", "--flows", "pod", "--samples", "500", "--warmup", "0", "--results-dir", resultsRoot])
        try first.process.run()
        let seen = first.readStderr(until: "sample 2/500")
        #expect(seen.contains("sample 2/500"), "the first run should be sampling: \(seen)")
        let second = try BenchProcess.run(["run", "--flows", "pod", "--samples", "1", "--warmup", "0", "--results-dir", resultsRoot])
        kill(first.process.processIdentifier, SIGINT)
        let drained = PipeReader(first.stderr.fileHandleForReading)
        _ = first.stdout.fileHandleForReading.readDataToEndOfFile()
        _ = drained.wait()
        first.process.waitUntilExit()
        #expect(second.code != 0, "\(second.err)")
        #expect(second.err.contains("another CRIBench run (pid \(first.process.processIdentifier))"), "\(second.err)")
        #expect(second.out.isEmpty, "the refused run measured nothing")
        let third = try BenchProcess.run(["run", "--flows", "pod", "--samples", "1", "--warmup", "0", "--results-dir", resultsRoot])
        #expect(third.code == 0, "the lock went with the first run: \(third.err)")
    }

    /// In the pod flow and in the container flow (a container in the middle of its lifecycle),
    /// with a ledger of the test's own, never the user's.
    @Test(arguments: [("pod,container", "PodSandboxInCri/op=run"), ("container", "ContainerInCri/op=create")])
    func interruptCleansUpAndKeepsPartialResults(flows: String, measuredOp: String) async throws {
        let resultsRoot = NSTemporaryDirectory() + "cribench-sigint-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: resultsRoot) }
        let bench = BenchProcess(["run", "--flows", flows, "--samples", "500", "--warmup", "0", "--results-dir", resultsRoot],
                                 environment: ["CRIBENCH_LEDGER_DIR": resultsRoot + "/ledger"])
        let (sawMarker, seen, out, status) = try bench.interrupt(after: "sample 3/500")
        #expect(sawMarker, "bench should be sampling: \(seen)")
        let runID = try #require(BenchProcess.runID(announcedIn: seen))

        #expect(status == 130, "exit code after SIGINT: \(status); \(seen)")
        #expect(out.contains("partial: true"))
        #expect(out.contains("Benchmark\(measuredOp)/kind=oci-"), "samples measured before the signal are reported")
        let runs = try FileManager.default.contentsOfDirectory(atPath: resultsRoot).filter { $0 != "ledger" }
        let json = try #require(runs.first.flatMap { FileManager.default.contents(atPath: "\(resultsRoot)/\($0)/results.json") })
        let report = try JSONSerialization.jsonObject(with: json) as! [String: Any]
        #expect(report["partial"] as? Bool == true)
        try await withRuntime { client in
            let selector = [Ownership.ownerLabel: Ownership.ownerValue, Ownership.runLabel: runID]
            let pods = try await client.listPodSandbox(labels: selector)
            let containers = try await client.listContainers(labels: selector)
            #expect(pods.isEmpty && containers.isEmpty, "run \(runID) left \(pods.count) pods and \(containers.count) containers")
        }
    }
}

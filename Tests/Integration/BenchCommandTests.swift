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
        var environment = ProcessInfo.processInfo.environment
        environment[CRIEndpoint.environmentVariable] = TestEnvironment.shared.endpoint.description
        environment.merge(extra) { $1 }
        process.environment = environment
    }

    /// Reads stderr until `marker` appears or the stream ends, giving up after `timeout`
    /// (checked between chunks); returns what it read.
    func readStderr(until marker: String, timeout: Duration = .seconds(120)) -> String {
        let stderr = self.stderr.fileHandleForReading
        var seen = ""
        let deadline = ContinuousClock.now + timeout
        while !seen.contains(marker), ContinuousClock.now < deadline {
            let chunk = stderr.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        return seen
    }

    /// The id a run announces on stderr: "[bench] run ID against ...".
    static func runID(announcedIn progress: String) -> String? {
        progress.split(separator: "\n").first { $0.hasPrefix("[bench] run ") }?.split(separator: " ")[2].description
    }

    /// Runs to the end; returns exit code, stdout and stderr.
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (code: Int32, out: String, err: String) {
        let bench = BenchProcess(arguments, environment: environment)
        try bench.process.run()
        let out = bench.stdout.fileHandleForReading.readDataToEndOfFile()
        let err = bench.stderr.fileHandleForReading.readDataToEndOfFile()
        bench.process.waitUntilExit()
        return (bench.process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }
}

@Suite("bench command", .serialized)
struct BenchCommandTests {
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
    @Test func interruptCleansUpAndKeepsPartialResults() async throws {
        let resultsRoot = NSTemporaryDirectory() + "cribench-sigint-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: resultsRoot) }
        let bench = BenchProcess(["run", "--flows", "pod,container", "--samples", "500", "--warmup", "0", "--results-dir", resultsRoot])
        try bench.process.run()
        var seen = bench.readStderr(until: "sample 3/500")
        #expect(seen.contains("sample 3/500"), "bench should be sampling: \(seen)")
        let runID = try #require(BenchProcess.runID(announcedIn: seen))
        kill(bench.process.processIdentifier, SIGINT)
        let rest = bench.stderr.fileHandleForReading.readDataToEndOfFile()
        seen += String(decoding: rest, as: UTF8.self)
        let out = String(decoding: bench.stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        bench.process.waitUntilExit()

        #expect(bench.process.terminationStatus == 130, "exit code after SIGINT: \(bench.process.terminationStatus); \(seen)")
        #expect(out.contains("partial: true"))
        #expect(out.contains("BenchmarkPodSandboxInCri/op=run/kind=oci-"), "samples measured before the signal are reported")
        let runs = try FileManager.default.contentsOfDirectory(atPath: resultsRoot)
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

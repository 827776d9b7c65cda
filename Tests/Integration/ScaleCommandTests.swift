import BenchKit
import CRIClient
import Foundation
import Testing

/// `bench scale` on the real runtime, small: both sides measured, figures that make sense,
/// nothing left behind, and a node that cannot hold the pods named in a clear failure.
@Suite("bench scale", .serialized, .timeLimit(.minutes(10)))
struct ScaleCommandTests {
    func leftovers(_ runID: String) async throws -> Int {
        try await withRuntime { client in
            try await client.listPodSandbox(labels: [Ownership.runLabel: runID]).count
                + client.listContainers(labels: [Ownership.runLabel: runID]).count
        }
    }

    @Test func densityAndChurnForBothSides() async throws {
        let results = NSTemporaryDirectory() + "cribench-scale-\(randomSuffix(length: 6))"
        defer { try? FileManager.default.removeItem(atPath: results) }
        let run = try BenchProcess.run(["scale", "--pods", "3", "--churn-pods", "4", "--parallel", "2", "--results-dir", results])
        #expect(run.code == 0, "bench scale failed: \(run.err.suffix(1500))")
        let runID = try #require(run.err.split(separator: "\n").first { $0.hasPrefix("[bench] scale run ") }?.split(separator: " ")[3].description)
        for kind in ["oci", "wasm"] {
            let density = try #require(run.out.split(separator: "\n").first { $0.hasPrefix("BenchmarkDensity/pods=3/kind=\(kind)-") })
            let fields = density.split(separator: "\t")
            let perPod = try #require(fields.firstIndex { $0.hasSuffix(" B/pod") }.flatMap { Int64(fields[$0].split(separator: " ")[0]) })
            // A pod is a shim (a few MB) plus pause plus the workload: between 1 and 64 MB.
            #expect(perPod > 1_000_000 && perPod < 64_000_000, "\(kind) PSS per pod \(perPod) B is implausible")
            let churn = try #require(run.out.split(separator: "\n").first { $0.hasPrefix("BenchmarkChurn/parallel=2/kind=\(kind)-") })
            #expect(churn.split(separator: "\t")[1] == "4", "all 4 churned \(kind) pods should have started: \(churn)")
            #expect(churn.contains("\t0 errors"))
        }
        let json = try Data(contentsOf: URL(fileURLWithPath: "\(results)/scale-\(runID)/results.json"))
        let decoded = try JSONDecoder.withISODates.decode(ScaleResults.self, from: json)
        #expect(decoded.density.allSatisfy { $0.memorySource == .processTree && $0.shims == 3 && $0.pauseProcesses == 3 })
        #expect(decoded.churn.allSatisfy { $0.startupNs.count == 4 })
        #expect(FileManager.default.fileExists(atPath: "\(results)/scale-\(runID)/summary.md"))
        let chart = try String(contentsOfFile: "\(results)/scale-\(runID)/chart.svg", encoding: .utf8)
        // One line per side in the density panel, p50 and p99 per side in the churn panel.
        #expect(chart.components(separatedBy: "<polyline").count - 1 == 6, "chart.svg should draw 6 lines")
        #expect(try await leftovers(runID) == 0)
    }

    @Test func aNodeThatCannotHoldThePodsFailsNamingTheFirstErrorAndLeavesNothing() async throws {
        let results = NSTemporaryDirectory() + "cribench-scale-\(randomSuffix(length: 6))"
        defer { try? FileManager.default.removeItem(atPath: results) }
        let run = try BenchProcess.run(["scale", "--pods", "2", "--churn-pods", "0", "--wasm-handler", "no-such-handler", "--results-dir", results])
        #expect(run.code != 0)
        #expect(run.err.contains("did not hold 2 wasm pods") && run.err.contains("no-such-handler"), "\(run.err.suffix(800))")
        let runID = try #require(run.err.split(separator: "\n").first { $0.hasPrefix("[bench] scale run ") }?.split(separator: " ")[3].description)
        #expect(try await leftovers(runID) == 0)
        #expect(run.out.contains("BenchmarkDensity/pods=2/kind=oci-"), "the OCI side measured before the failure is still reported")
    }
}

extension ScaleCommandTests {
    @Test func ctrlCInTheMiddleOfADensityPointRemovesEveryPod() async throws {
        let results = NSTemporaryDirectory() + "cribench-scale-\(randomSuffix(length: 6))"
        defer { try? FileManager.default.removeItem(atPath: results) }
        let bench = BenchProcess(["scale", "--pods", "40", "--churn-pods", "0", "--results-dir", results])
        try bench.process.run()
        var seen = bench.readStderr(until: "pods up")
        #expect(seen.contains("pods up"), "bench scale should be starting pods: \(seen)")
        kill(bench.process.processIdentifier, SIGINT)
        let errors = PipeReader(bench.stderr.fileHandleForReading)
        _ = bench.stdout.fileHandleForReading.readDataToEndOfFile()
        seen += String(decoding: errors.wait(), as: UTF8.self)
        bench.process.waitUntilExit()
        #expect(bench.process.terminationStatus == 130, "exit code after SIGINT: \(bench.process.terminationStatus); \(seen.suffix(800))")
        let runID = try #require(seen.split(separator: "\n").first { $0.hasPrefix("[bench] scale run ") }?.split(separator: " ")[3].description)
        #expect(try await leftovers(runID) == 0, "the interrupted run \(runID) left pods or containers")
    }
}

extension ScaleCommandTests {
    /// From another PID namespace the runtime's processes are invisible, as with a socket
    /// forwarded from another host: memory then comes from CRI alone, and the report says so.
    @Test(.enabled(if: getuid() == 0, "unshare of a PID namespace needs root"))
    func aRuntimeWhoseProcessesAreInvisibleIsMeasuredThroughCRIAlone() async throws {
        let results = NSTemporaryDirectory() + "cribench-scale-\(randomSuffix(length: 6))"
        defer { try? FileManager.default.removeItem(atPath: results) }
        let environment = ProcessInfo.processInfo.environment.merging([
            CRIEndpoint.environmentVariable: TestEnvironment.shared.endpoint.description,
            "CRIBENCH_LEDGER_DIR": results + "/ledger",
        ]) { $1 }
        let run = try ChildProcess.run("/usr/bin/unshare", ["--pid", "--fork", "--mount-proc", BenchProcess.executable.path,
                                                            "scale", "--pods", "2", "--churn-pods", "0", "--results-dir", results],
                                       environment: environment)
        #expect(run.code == 0, "bench scale in its own PID namespace failed: \(run.err.suffix(1000))")
        #expect(run.err.contains("memory comes from CRI stats alone"))
        let density = run.out.split(separator: "\n").filter { $0.hasPrefix("BenchmarkDensity/") }
        #expect(density.count == 2)
        #expect(density.allSatisfy { !$0.contains(" B/pod") && $0.contains(" cri-B/pod") }, "no PSS figure without the processes: \(density)")
        let runID = try #require(run.err.split(separator: "\n").first { $0.hasPrefix("[bench] scale run ") }?.split(separator: " ")[3].description)
        let summary = try String(contentsOfFile: "\(results)/scale-\(runID)/summary.md", encoding: .utf8)
        #expect(summary.contains("CRI's stats alone"))
        #expect(try await leftovers(runID) == 0)
    }
}

extension JSONDecoder {
    static var withISODates: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}

import BenchKit
import CRIClient
import Foundation
import Testing

/// `bench scale` on the real runtime, small: both sides measured, figures that make sense,
/// nothing left behind, and a node that cannot hold the pods named in a clear failure.
@Suite("bench scale", .serialized, .timeLimit(.minutes(10)))
struct ScaleCommandTests {
    func leftovers(_ runID: String) async throws -> Int { try await runLeftovers(runID) }

    /// What an independent observer sees while bench scale runs: CRI's pod listing and the
    /// process table, polled every 100 ms.
    actor Observer {
        var densityPeak: [String: (pods: Int, shims: Int)] = [:]
        var churnPeak: [String: Int] = [:]
        var finished = false
        /// Every sandbox of the run the observer saw (density and churn), by id.
        var seenPods: Set<String> = []

        func finish() { finished = true }

        func observe(_ pods: [PodSandbox], commandLines: [String]) {
            for kind in ["oci", "wasm"] {
                let density = pods.filter { $0.metadata.name.hasPrefix("scale-\(kind)-") && $0.state == .sandboxReady }
                let shims = density.filter { pod in commandLines.contains { $0.contains("-id \(pod.id) ") } }.count
                let peak = densityPeak[kind] ?? (0, 0)
                if density.count > peak.pods || shims > peak.shims {
                    densityPeak[kind] = (max(peak.pods, density.count), max(peak.shims, shims))
                }
                let churn = pods.filter { $0.metadata.name.hasPrefix("churn-\(kind)-") && $0.state == .sandboxReady }
                seenPods.formUnion((density + churn).map(\.id))
                churnPeak[kind] = max(churnPeak[kind] ?? 0, churn.count)
            }
        }
    }

    @Test func densityAndChurnForBothSidesMatchAnIndependentListing() async throws {
        let results = NSTemporaryDirectory() + "cribench-scale-\(randomSuffix(length: 6))"
        defer { try? FileManager.default.removeItem(atPath: results) }
        let observer = Observer()
        let running = Task.detached {
            do {
                let result = try BenchProcess.run([
                    "scale", "--pods", "5", "--churn-pods", "6", "--parallel", "2", "--results-dir", results,
                ])
                await observer.finish()
                return result
            } catch {
                await observer.finish()
                throw error
            }
        }
        try await withRuntime { client in
            while true {
                let pods = try await client.listPodSandbox(labels: [Ownership.ownerLabel: Ownership.ownerValue])
                await observer.observe(pods, commandLines: NodeProcesses.allCommandLines())
                if await observer.finished { break }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        let run = try await running.value
        #expect(run.code == 0, "bench scale failed: \(run.err.suffix(1500))")
        let runID = try #require(
            run.err.split(separator: "\n").first { $0.hasPrefix("[bench] scale run ") }?.split(separator: " ")[3]
                .description)
        let json = try Data(contentsOf: URL(fileURLWithPath: "\(results)/scale-\(runID)/results.json"))
        let decoded = try JSONDecoder.withISODates.decode(ScaleResults.self, from: json)
        for kind in [WorkloadKind.oci, .wasm] {
            let seen = await observer.densityPeak[kind.rawValue]
            let point = try #require(decoded.density.first { $0.kind == kind })
            // The observer saw all 5 pods ready at once, each with its shim; bench counted the same.
            #expect(seen?.pods == 5 && seen?.shims == 5, "\(kind): the listing saw \(String(describing: seen)) at most")
            #expect(
                point.pods == 5 && point.shims == 5 && point.pauseProcesses == 5 && point.memorySource == .processTree)
            #expect(point.workloadProcesses >= 5, "every pod has a workload process")
            // A pod is a shim (a few MB) plus pause plus the workload: between 1 and 64 MB.
            #expect(
                point.pssPerPodBytes > 1_000_000 && point.pssPerPodBytes < 64_000_000,
                "\(kind) PSS per pod \(point.pssPerPodBytes) B")
            let churn = try #require(decoded.churn.first { $0.kind == kind && $0.parallel == 2 })
            #expect(churn.startupNs.count == 6 && churn.errors == 0)
            // CRIBench's containerd has a cgroup of its own: its CPU covers the daemon and more.
            let runtimeCPU = try #require(churn.runtimeCPUNsPerPod, "no runtime cgroup CPU for \(kind)")
            #expect(
                runtimeCPU >= (churn.daemonCPUNsPerPod ?? 0) - 10_000_000,
                "runtime cgroup \(runtimeCPU) ns < daemon \(churn.daemonCPUNsPerPod ?? 0) ns")
            let peak = await observer.churnPeak[kind.rawValue] ?? 0
            #expect(peak >= 1 && peak <= 2, "\(kind): \(peak) churn pods were ready at once, parallel is 2")
            #expect(run.out.contains("BenchmarkDensity/pods=5/kind=\(kind.rawValue)-"))
            #expect(run.out.contains("BenchmarkChurn/parallel=2/kind=\(kind.rawValue)-"))
        }
        #expect(FileManager.default.fileExists(atPath: "\(results)/scale-\(runID)/summary.md"))
        let chart = try String(contentsOfFile: "\(results)/scale-\(runID)/chart.svg", encoding: .utf8)
        // One line per side in the density panel, p50 and p99 per side in the churn panel.
        #expect(chart.components(separatedBy: "<polyline").count - 1 == 6, "chart.svg should draw 6 lines")
        #expect(try await leftovers(runID) == 0)
        // Only the run's own shims: a node may hold other people's pods, and their shims stay.
        let seen = await observer.seenPods
        #expect(!seen.isEmpty)
        let shims = NodeProcesses.allCommandLines().filter { line in
            line.contains("containerd-shim") && seen.contains { line.contains("-id \($0) ") }
        }
        #expect(shims.isEmpty, "shims of the run are still alive: \(shims)")
    }

    @Test func aNodeThatCannotHoldThePodsFailsNamingTheFirstErrorAndLeavesNothing() async throws {
        let results = NSTemporaryDirectory() + "cribench-scale-\(randomSuffix(length: 6))"
        defer { try? FileManager.default.removeItem(atPath: results) }
        let run = try BenchProcess.run([
            "scale", "--pods", "2", "--churn-pods", "0", "--wasm-handler", "no-such-handler", "--results-dir", results,
        ])
        #expect(run.code != 0)
        #expect(
            run.err.contains("did not hold 2 wasm pods") && run.err.contains("no-such-handler"),
            "\(run.err.suffix(800))")
        let runID = try #require(
            run.err.split(separator: "\n").first { $0.hasPrefix("[bench] scale run ") }?.split(separator: " ")[3]
                .description)
        #expect(try await leftovers(runID) == 0)
        #expect(
            run.out.contains("BenchmarkDensity/pods=2/kind=oci-"),
            "the OCI side measured before the failure is still reported")
    }
}

extension ScaleCommandTests {
    /// The node runs out midway: the probe handler's runtime refuses every container after the
    /// fifth, as a full node would. The run stops at once naming that first error (not a
    /// timeout), and the five pods that did start are removed with the rest.
    @Test(ProbeRuntime.availableOrCI)
    func aNodeThatRunsOutMidwayStopsNamingTheFirstErrorAndRemovesWhatStarted() async throws {
        let probe = try ProbeRuntime.required()
        try probe.failContainerCreates(after: 5)
        defer { try? probe.restore() }
        let results = NSTemporaryDirectory() + "cribench-scale-\(randomSuffix(length: 6))"
        defer { try? FileManager.default.removeItem(atPath: results) }
        let shimsBefore = NodeProcesses.allCommandLines().filter { $0.contains("containerd-shim") }.count
        let began = ContinuousClock.now
        let run = try BenchProcess.run([
            "scale", "--pods", "12", "--churn-pods", "0", "--oci-handler", ProbeRuntime.handler, "--results-dir",
            results,
        ])
        let took = ContinuousClock.now - began
        #expect(run.code != 0)
        #expect(
            run.err.contains("did not hold 12 oci pods") && run.err.contains("the node is full after 5"),
            "\(run.err.suffix(1200))")
        // "after K up": the pods that got a container before the node filled, at most 5.
        let up = run.err.firstMatch(of: /after (\d+) up/).flatMap { Int($0.1) }
        #expect(up != nil && up! <= 5, "\(run.err.suffix(600))")
        #expect(run.err.contains("density oci:") && run.err.contains("/12 pods up"), "progress was reported")
        #expect(
            took < .seconds(120), "the run took \(took): it should stop at the first error, not wait for a deadline")
        let runID = try #require(
            run.err.split(separator: "\n").first { $0.hasPrefix("[bench] scale run ") }?.split(separator: " ")[3]
                .description)
        #expect(try await leftovers(runID) == 0)
        // A shim ends a moment after RemovePodSandbox returns; one of the run's that is left
        // alive is still there after the wait.
        try await eventually(timeout: .seconds(5), "no shim of the run is alive (\(shimsBefore) before it)") {
            NodeProcesses.allCommandLines().filter { $0.contains("containerd-shim") }.count <= shimsBefore
        }
    }
}

extension ScaleCommandTests {
    @Test func ctrlCInTheMiddleOfADensityPointRemovesEveryPod() async throws {
        let results = NSTemporaryDirectory() + "cribench-scale-\(randomSuffix(length: 6))"
        defer { try? FileManager.default.removeItem(atPath: results) }
        let bench = BenchProcess(["scale", "--pods", "40", "--churn-pods", "0", "--results-dir", results])
        let (sawMarker, seen, _, status) = try bench.interrupt(after: "pods up")
        #expect(sawMarker, "bench scale should be starting pods: \(seen)")
        #expect(status == 130, "exit code after SIGINT: \(status); \(seen.suffix(800))")
        let runID = try #require(
            seen.split(separator: "\n").first { $0.hasPrefix("[bench] scale run ") }?.split(separator: " ")[3]
                .description)
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
        let run = try ChildProcess.run(
            "/usr/bin/unshare",
            [
                "--pid", "--fork", "--mount-proc", BenchProcess.executable.path,
                "scale", "--pods", "2", "--churn-pods", "0", "--results-dir", results,
            ],
            environment: environment)
        #expect(run.code == 0, "bench scale in its own PID namespace failed: \(run.err.suffix(1000))")
        #expect(run.err.contains("memory comes from CRI stats alone"))
        let density = run.out.split(separator: "\n").filter { $0.hasPrefix("BenchmarkDensity/") }
        #expect(density.count == 2)
        #expect(
            density.allSatisfy { !$0.contains(" B/pod") && $0.contains(" cri-B/pod") },
            "no PSS figure without the processes: \(density)")
        let runID = try #require(
            run.err.split(separator: "\n").first { $0.hasPrefix("[bench] scale run ") }?.split(separator: " ")[3]
                .description)
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

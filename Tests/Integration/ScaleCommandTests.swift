import BenchKit
import CRIClient
import Foundation
import Testing

/// `bench scale` on the real runtime, small: both sides measured, figures that make sense,
/// nothing left behind, and a node that cannot hold the pods named in a clear failure.
@Suite("bench scale", .serialized, .timeLimit(.minutes(10)))
struct ScaleCommandTests {
    func leftovers(_ runID: String) async throws -> Int { try await runLeftovers(runID) }

    @Test func densityAndChurnForBothSidesMatchAnIndependentListing() async throws {
        let results = NSTemporaryDirectory() + "cribench-scale-\(randomSuffix(length: 6))"
        defer { try? FileManager.default.removeItem(atPath: results) }
        let observer = ScaleObserver(densityPods: 5)
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
        // Fast enough to see two churn pods overlap: each is ready for a few hundred ms.
        try await withRuntime { client in
            while await !observer.finished {
                try await observer.observe(client, owner: [Ownership.ownerLabel: Ownership.ownerValue])
                try await Task.sleep(for: .milliseconds(25))
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
            let seen = try #require(await observer.density[kind.rawValue], "the observer saw no \(kind) density pod")
            let point = try #require(decoded.density.first { $0.kind == kind })
            // The observer saw all 5 pods ready at once, each with its shim; bench counted the same.
            #expect(seen.peakPods == 5 && seen.peakShims == 5, "\(kind): the listing saw \(seen.peakPods) pods at most")
            #expect(
                point.pods == 5 && point.shims == 5 && point.pauseProcesses == 5 && point.memorySource == .processTree)
            #expect(point.workloadProcesses >= 5, "every pod has a workload process")
            checkTimeToAllRunning(point, against: seen)
            checkMemory(point, against: seen)
            let churn = try #require(decoded.churn.first { $0.kind == kind && $0.parallel == 2 })
            #expect(churn.startupNs.count == 6 && churn.errors == 0)
            // CRIBench's containerd has a cgroup of its own: its CPU covers the daemon and more.
            let runtimeCPU = try #require(churn.runtimeCPUNsPerPod, "no runtime cgroup CPU for \(kind)")
            #expect(
                runtimeCPU >= (churn.daemonCPUNsPerPod ?? 0) - 10_000_000,
                "runtime cgroup \(runtimeCPU) ns < daemon \(churn.daemonCPUNsPerPod ?? 0) ns")
            let peak = await observer.churnPeak[kind.rawValue] ?? 0
            #expect(peak == 2, "\(kind): at most \(peak) churn pods were ready at once, parallel is 2")
            #expect(run.out.contains("BenchmarkDensity/pods=5/kind=\(kind.rawValue)-"))
            #expect(run.out.contains("BenchmarkChurn/parallel=2/kind=\(kind.rawValue)-"))
        }
        #expect(FileManager.default.fileExists(atPath: "\(results)/scale-\(runID)/summary.md"))
        let chart = try String(contentsOfFile: "\(results)/scale-\(runID)/chart.svg", encoding: .utf8)
        // One line per side in the density panel, p50 and p99 per side in the churn panel.
        #expect(chart.components(separatedBy: "<polyline").count - 1 == 6, "chart.svg should draw 6 lines")
        #expect(try await leftovers(runID) == 0)
        // Only the run's own shims: a node may hold other people's pods, and their shims stay.
        let seenPods = await observer.seenPods
        #expect(!seenPods.isEmpty)
        let shims = NodeProcesses.allCommandLines().filter { line in
            line.contains("containerd-shim") && seenPods.contains { line.contains("-id \($0) ") }
        }
        #expect(shims.isEmpty, "shims of the run are still alive: \(shims)")
    }

    /// bench times from before the first RunPodSandbox to seeing the last container Running,
    /// so it holds CRI's span from the first pod's creation to the last start, plus the calls
    /// around it; it does not hold the settling time before memory is read.
    func checkTimeToAllRunning(_ point: DensityPoint, against seen: ScaleObserver.DensityView) {
        guard let span = seen.criSpanToAllRunningNs else {
            Issue.record("\(point.kind): the observer never saw all 5 containers running")
            return
        }
        #expect(
            point.timeToAllRunningNs >= span - 5_000_000 && point.timeToAllRunningNs <= span + 500_000_000,
            "\(point.kind): bench's time to all running \(point.timeToAllRunningNs) ns against CRI's span \(span) ns")
    }

    /// bench reads PSS two seconds after all ran; the observer's own sums from 1 s on, by
    /// the shims' command lines and their descendants rather than by cgroup, must agree.
    func checkMemory(_ point: DensityPoint, against seen: ScaleObserver.DensityView) {
        guard let allRunning = seen.allRunningSeenAt else { return }
        let settled = seen.pssSamples.filter { $0.at >= allRunning + .milliseconds(1000) }.map(\.bytes).sorted()
        guard !settled.isEmpty else {
            Issue.record("\(point.kind): no PSS sample while the pods had settled")
            return
        }
        let observed = settled[settled.count / 2] / 5
        let difference = abs(Double(point.pssPerPodBytes - observed)) / Double(observed)
        #expect(
            difference < 0.15,
            "\(point.kind): bench's PSS per pod \(point.pssPerPodBytes) B, the observer's \(observed) B")
        // A pod is a shim (a few MB) plus pause plus the workload: between 1 and 64 MB.
        #expect(point.pssPerPodBytes > 1_000_000 && point.pssPerPodBytes < 64_000_000)
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
        let (sawMarker, seen, _, status, _) = try bench.interrupt(after: "pods up")
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

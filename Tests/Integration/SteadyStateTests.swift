import BenchKit
import CRIClient
import Foundation
import Testing

/// `bench scale`'s steady state: N idle pods under the kubelet's periodic load, on the real
/// runtime. Part of the bench scale suite (serialized with it: both hold pods).
extension ScaleCommandTests {
    /// 2 and then 8 pods per side for 15 s each, one container in two with an exec probe: each
    /// kind of call was made as often as its schedule says (within one period); the runtime's CPU
    /// per pod per minute at rest is above zero and falls as N grows (the relist's lists are
    /// the node's, shared by its pods); an exec probe on an OCI container returns its output
    /// while a wasm one is reported unsupported; nothing is left. (Below what starting a pod
    /// costs, as one could expect, it is not on this VM: see the README's steady-state figures.)
    @Test func steadyStateCallsFollowTheKubeletsScheduleAndTheirCostIsShared() async throws {
        let results = NSTemporaryDirectory() + "cribench-steady-\(randomSuffix(length: 6))"
        defer { try? FileManager.default.removeItem(atPath: results) }
        let run = try BenchProcess.run([
            "scale", "--pods", "", "--churn-pods", "0", "--steady-pods", "2,8",
            "--steady-seconds", "15", "--probe-share", "0.5", "--results-dir", results,
        ])
        #expect(run.code == 0, "bench scale failed: \(run.err.suffix(1500))")
        let runID = try #require(
            run.err.split(separator: "\n").first { $0.hasPrefix("[bench] scale run ") }?
                .split(separator: " ")[3].description)
        let json = try Data(contentsOf: URL(fileURLWithPath: "\(results)/scale-\(runID)/results.json"))
        let decoded = try JSONDecoder.withISODates.decode(ScaleResults.self, from: json)
        for kind in [WorkloadKind.oci, .wasm] {
            var perMinute: [Int: Double] = [:]
            for pods in [2, 8] {
                let point = try #require(
                    decoded.steady?.first { $0.kind == kind && $0.pods == pods }, "no point \(kind) N=\(pods)")
                let plan = point.plan
                let relists = plan.scheduled(periodMs: plan.relistPeriodMs)
                func near(_ call: String, _ expected: Int, within slack: Int) {
                    let made = point.calls[call] ?? 0
                    #expect(
                        abs(made - expected) <= slack,
                        "\(kind) N=\(pods) \(call): \(made) calls, the schedule says \(expected)")
                }
                near(SteadyPoint.Call.relist, relists, within: 1)
                near(SteadyPoint.Call.listPods, relists, within: 1)
                near(SteadyPoint.Call.podStatus, relists * pods, within: pods)
                near(SteadyPoint.Call.containerStatus, relists * pods, within: pods)
                near(
                    SteadyPoint.Call.listContainerStats,
                    plan.scheduled(periodMs: plan.statsPeriodMs, offsetMs: plan.relistPeriodMs / 2), within: 1)
                let probed = plan.probedPods(of: pods)
                let probes = (0..<probed).map {
                    plan.scheduled(periodMs: plan.probePeriodMs, offsetMs: plan.probePeriodMs * $0 / probed)
                }
                near(SteadyPoint.Call.execProbe, probes.reduce(0, +), within: probed)
                perMinute[pods] = try #require(point.runtimeCPUNsPerPodPerMinute, "\(kind): no runtime CPU")
                if kind == .oci {
                    #expect(point.probesUnsupported == 0 && point.probeFailures == 0, "\(point.firstProbeError ?? "")")
                    #expect(
                        (point.latencyNs[SteadyPoint.Call.execProbe] ?? []).count
                            == point.calls[SteadyPoint.Call.execProbe])
                } else {
                    #expect(
                        point.probesUnsupported == point.calls[SteadyPoint.Call.execProbe]
                            && point.probesUnsupported > 0)
                    #expect(
                        point.latencyNs[SteadyPoint.Call.execProbe] == nil,
                        "a refused probe is never timed as a fast one")
                }
                #expect(run.out.contains("BenchmarkSteady/pods=\(pods)/kind=\(kind.rawValue)-"))
            }
            let few = perMinute[2] ?? 0, many = perMinute[8] ?? 0
            #expect(many > 0 && many < few, "\(kind): \(few) ns per pod per minute at N=2, \(many) at N=8")
        }
        let summary = try String(contentsOfFile: "\(results)/scale-\(runID)/summary.md", encoding: .utf8)
        #expect(summary.contains("## Steady state") && summary.contains("unsupported ("))
        let chart = try String(contentsOfFile: "\(results)/scale-\(runID)/chart.svg", encoding: .utf8)
        #expect(chart.contains("runtime CPU per pod per minute at rest"))
        #expect(try await leftovers(runID) == 0)
    }

    /// The probe handler's exec made slower than the probe period: the probes fall behind their
    /// schedule, and the report says how far.
    @Test func aRuntimeSlowerThanTheProbePeriodShowsAsLag() async throws {
        let probe = try #require(ProbeRuntime.current, "the \(ProbeRuntime.handler) handler of CRIBench's runtime")
        try probe.slowDown("exec", milliseconds: 1500)
        defer { try? probe.restore() }
        let results = NSTemporaryDirectory() + "cribench-steady-\(randomSuffix(length: 6))"
        defer { try? FileManager.default.removeItem(atPath: results) }
        let run = try BenchProcess.run([
            "scale", "--pods", "", "--churn-pods", "0", "--steady-pods", "2", "--steady-seconds", "6",
            "--probe-period-ms", "1000", "--side", "slow=\(ProbeRuntime.handler):oci",
            "--results-dir", results,
        ])
        #expect(run.code == 0, "bench scale failed: \(run.err.suffix(1500))")
        let runID = try #require(
            run.err.split(separator: "\n").first { $0.hasPrefix("[bench] scale run ") }?
                .split(separator: " ")[3].description)
        let json = try Data(contentsOf: URL(fileURLWithPath: "\(results)/scale-\(runID)/results.json"))
        let point = try #require(try JSONDecoder.withISODates.decode(ScaleResults.self, from: json).steady?.first)
        let lag = point.lagNs["probe"] ?? []
        #expect((lag.max() ?? 0) > 400_000_000, "probes taking 1.5 s every 1 s fall behind: lag \(lag)")
        #expect((point.percentile(SteadyPoint.Call.execProbe, 50) ?? 0) > 1_500_000_000)
        #expect((point.calls[SteadyPoint.Call.execProbe] ?? 0) < 2 * 6, "fewer probes than the schedule's 12")
        #expect(try await leftovers(runID) == 0)
    }
}

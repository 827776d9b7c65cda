import BenchKit
import Testing

/// The steady state's schedule arithmetic and figures, which its integration test checks the
/// calls against.
@Suite struct SteadyPlanTests {
    @Test func scheduleCountsTheSlotsThatFallInTheLoop() {
        var plan = SteadyPlan()
        plan.seconds = 20
        #expect(plan.scheduled(periodMs: 1000) == 20)
        #expect(plan.scheduled(periodMs: 10_000, offsetMs: 500) == 2)
        #expect(plan.scheduled(periodMs: 10_000, offsetMs: 8000) == 2)
        #expect(plan.scheduled(periodMs: 3000) == 7, "slots at 0, 3, ..., 18 s")
        #expect(plan.scheduled(periodMs: 1000, offsetMs: 20_000) == 0)
        plan.statusShare = 0.25
        plan.probeShare = 0
        #expect(plan.statusPods(of: 10) == 3 && plan.probedPods(of: 10) == 0)
    }

    @Test func cpuPerPodPerMinuteAndHarnessShare() {
        var point = SteadyPoint(kind: .oci, pods: 10, plan: SteadyPlan())
        point.elapsedNs = 30_000_000_000
        point.runtimeCPUNs = 600_000_000
        point.harnessCPUNs = 30_000_000
        #expect(point.runtimeCPUNsPerPodPerMinute == 120_000_000, "0.6 s over 10 pods and half a minute")
        #expect(point.harnessShare == 0.05)
        point.latencyNs[SteadyPoint.Call.relist] = (1...100).map { Int64($0) }
        #expect(
            point.percentile(SteadyPoint.Call.relist, 50) == 50 && point.percentile(SteadyPoint.Call.relist, 99) == 99)
        #expect(point.percentile(SteadyPoint.Call.execProbe, 50) == nil)
        point.lagNs = ["probe": [5, 700], "relist": [30]]
        #expect(point.maximumLagNs == 700)
    }
}

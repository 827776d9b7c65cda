import CRIClient
import Foundation

/// What a full node costs while nothing happens: N idle pods held while a kubelet-like loop
/// calls the runtime at the kubelet's periods, on its own clock (each call at its scheduled
/// time, never back to back):
/// - every relist period (1 s): ListPodSandbox and ListContainers, then PodSandboxStatus and
///   ContainerStatus for each pod of the status share, one after the other, as the PLEG's
///   relist asks them;
/// - every stats period (10 s), half a period after the relists start so the two do not
///   coincide: ListContainerStats and ListPodSandboxStats, as the kubelet's stats provider;
/// - every probe period (10 s) per probed container: an ExecSync of `sh -c 'echo probe'`. The
///   kubelet starts each probe worker after a random delay within the period; the loop spreads
///   the workers evenly over the period instead, which is that delay's expectation without
///   its chance clusters.
extension ScaleProbes {
    public func steady(_ workload: Workload, pods count: Int, plan: SteadyPlan) async throws -> SteadyPoint {
        let pods = try await startPods(workload, count: count, purpose: "steady")
        try await Task.sleep(for: .seconds(2))
        progress("steady \(workload.kind.rawValue) N=\(count): the kubelet's load for \(plan.seconds) s")
        var point = SteadyPoint(kind: workload.kind, pods: count, plan: plan)
        let recorder = SteadyRecorder()
        let runtimeBefore = daemonPid.flatMap(NodeProcesses.cgroupCPUNanoseconds)
        let rssBefore = daemonPid.flatMap(NodeProcesses.rssBytes)
        let harnessBefore = NodeProcesses.cpuNanoseconds(of: getpid()) ?? 0
        let clock = ContinuousClock()
        let start = clock.now + .milliseconds(100)
        let end = start + .seconds(plan.seconds)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await relists(pods, plan: plan, start: start, end: end, recorder: recorder) }
            group.addTask { try await stats(plan: plan, start: start, end: end, recorder: recorder) }
            let probed = Array(pods.prefix(plan.probedPods(of: count)))
            for (index, pod) in probed.enumerated() {
                let offset = Duration.milliseconds(plan.probePeriodMs * index / max(1, probed.count))
                group.addTask { try await probes(pod, plan: plan, start: start + offset, end: end, recorder: recorder) }
            }
            try await group.waitForAll()
        }
        point.elapsedNs = (clock.now - start).nanoseconds
        if let runtimeBefore, let after = daemonPid.flatMap(NodeProcesses.cgroupCPUNanoseconds) {
            point.runtimeCPUNs = after - runtimeBefore
        }
        if let rssBefore, let after = daemonPid.flatMap(NodeProcesses.rssBytes) {
            point.daemonRSSGrowthBytes = after - rssBefore
        }
        point.harnessCPUNs = (NodeProcesses.cpuNanoseconds(of: getpid()) ?? harnessBefore) - harnessBefore
        await recorder.fill(&point)
        progress("steady \(workload.kind.rawValue) N=\(count): removing the pods")
        try await tearDown(pods)
        return point
    }

    /// Sleeps until `instant` and returns how late it woke.
    private func wait(until instant: ContinuousClock.Instant) async throws -> Int64 {
        try await Task.sleep(until: instant, clock: .continuous)
        return max(0, (ContinuousClock.now - instant).nanoseconds)
    }

    private func relists(
        _ pods: [ReadySandbox], plan: SteadyPlan, start: ContinuousClock.Instant,
        end: ContinuousClock.Instant, recorder: SteadyRecorder
    ) async throws {
        let client = context.client
        let period = Duration.milliseconds(plan.relistPeriodMs)
        let asked = Array(pods.prefix(plan.statusPods(of: pods.count)))
        var next = start
        while next < end {
            let late = try await wait(until: next)
            let taken = ContinuousClock.now
            await recorder.lag(SteadyPoint.Call.relist, late)
            // The calls' own times are kept here and recorded after the relist, so that the relist's
            // time is the runtime's and not the recorder's.
            let (calls, relist) = try await timed { () async throws -> [(String, Int64)] in
                let (_, pods) = try await timed { _ = try await client.listPodSandbox() }
                let (_, containers) = try await timed { _ = try await client.listContainers() }
                var calls = [(SteadyPoint.Call.listPods, pods), (SteadyPoint.Call.listContainers, containers)]
                for pod in asked {
                    let (_, status) = try await timed { _ = try await client.podSandboxStatus(pod.id) }
                    calls.append((SteadyPoint.Call.podStatus, status))
                    if let container = pod.containerID {
                        calls.append(
                            (
                                SteadyPoint.Call.containerStatus,
                                try await timed { _ = try await client.containerStatus(container) }.1
                            ))
                    }
                }
                return calls
            }
            for (call, took) in calls { await recorder.call(call, took) }
            await recorder.relist(relist, overran: relist > period.nanoseconds)
            next = slot(after: taken, from: next, period: period)
        }
    }

    private func stats(
        plan: SteadyPlan, start: ContinuousClock.Instant, end: ContinuousClock.Instant,
        recorder: SteadyRecorder
    ) async throws {
        let client = context.client, labels = context.labels
        let period = Duration.milliseconds(plan.statsPeriodMs)
        var next = start + .milliseconds(plan.relistPeriodMs / 2)
        while next < end {
            let late = try await wait(until: next)
            let taken = ContinuousClock.now
            await recorder.lag("stats", late)
            // The run's own pods: containerd 1.6 fails the whole ListPodSandboxStats for one pod
            // it cannot measure (a foreign pod with no cgroup parent, say).
            let (_, containerStats) = try await timed { _ = try await client.listContainerStats(labels: labels) }
            await recorder.call(SteadyPoint.Call.listContainerStats, containerStats)
            do {
                let (_, podStats) = try await timed { _ = try await client.listPodSandboxStats(labels: labels) }
                await recorder.call(SteadyPoint.Call.listPodStats, podStats)
            } catch let error as CRIError where error.code == .unimplemented {
                await recorder.count(SteadyPoint.Call.listPodStats)
            }
            next = slot(after: taken, from: next, period: period)
        }
    }

    private func probes(
        _ pod: ReadySandbox, plan: SteadyPlan, start: ContinuousClock.Instant,
        end: ContinuousClock.Instant,
        recorder: SteadyRecorder
    ) async throws {
        guard let container = pod.containerID else { return }
        let client = context.client
        let period = Duration.milliseconds(plan.probePeriodMs)
        var next = start
        while next < end {
            let late = try await wait(until: next)
            let taken = ContinuousClock.now
            await recorder.lag("probe", late)
            switch try await ExecProbe.run(client, container: container) {
            case .answered(let elapsed): await recorder.call(SteadyPoint.Call.execProbe, elapsed)
            case .unsupported(let text): await recorder.probeUnsupported(text)
            case .failed(let text): await recorder.probeFailed(text)
            }
            next = slot(after: taken, from: next, period: period)
        }
    }

    /// The next slot as a Go ticker (the kubelet's prober) delivers it: the first one after the
    /// call started. A call that outlasts its period finds that slot passed and starts at once,
    /// late by the difference, and the slots in between are dropped.
    private func slot(
        after taken: ContinuousClock.Instant, from current: ContinuousClock.Instant,
        period: Duration
    ) -> ContinuousClock.Instant {
        var next = current + period
        while next <= taken { next += period }
        return next
    }
}

/// Collects the loop's figures from its concurrent tasks.
actor SteadyRecorder {
    private var latencies: [String: [Int64]] = [:]
    private var calls: [String: Int] = [:]
    private var lags: [String: [Int64]] = [:]
    private var overruns = 0
    private var unsupported = 0
    private var failures = 0
    private var firstProbeError: String?

    func call(_ name: String, _ nanoseconds: Int64) {
        latencies[name, default: []].append(nanoseconds)
        calls[name, default: 0] += 1
    }

    func count(_ name: String) { calls[name, default: 0] += 1 }

    func lag(_ name: String, _ nanoseconds: Int64) { lags[name, default: []].append(nanoseconds) }

    func relist(_ nanoseconds: Int64, overran: Bool) {
        call(SteadyPoint.Call.relist, nanoseconds)
        if overran { overruns += 1 }
    }

    func probeUnsupported(_ message: String) {
        count(SteadyPoint.Call.execProbe)
        unsupported += 1
        if firstProbeError == nil { firstProbeError = message }
    }

    func probeFailed(_ message: String) {
        count(SteadyPoint.Call.execProbe)
        failures += 1
        if firstProbeError == nil { firstProbeError = message }
    }

    func fill(_ point: inout SteadyPoint) {
        point.latencyNs = latencies
        point.calls = calls
        point.lagNs = lags
        point.relistOverruns = overruns
        point.probesUnsupported = unsupported
        point.probeFailures = failures
        point.firstProbeError = firstProbeError
    }
}

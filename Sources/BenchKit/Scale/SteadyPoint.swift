import Foundation

/// The kubelet's periods for `bench scale`'s steady state: its relist (PLEG), its stats
/// collection and its exec probes, and how many pods each reaches.
public struct SteadyPlan: Codable, Sendable, Equatable {
    /// How long the loop runs once the N pods are up.
    public var seconds: Int = 60
    public var relistPeriodMs: Int = 1000
    public var statsPeriodMs: Int = 10_000
    public var probePeriodMs: Int = 10_000
    /// Share of the pods whose PodSandboxStatus and ContainerStatus each relist asks.
    public var statusShare: Double = 1
    /// Share of the pods whose container has an exec probe.
    public var probeShare: Double = 1

    public init() {}

    /// How many times a call with `periodMs`, first at `offsetMs`, falls in the loop.
    public func scheduled(periodMs: Int, offsetMs: Int = 0) -> Int {
        let total = seconds * 1000
        return offsetMs >= total ? 0 : (total - offsetMs + periodMs - 1) / periodMs
    }

    public func statusPods(of count: Int) -> Int { Int((Double(count) * statusShare).rounded(.up)) }
    public func probedPods(of count: Int) -> Int { Int((Double(count) * probeShare).rounded(.up)) }
}

/// N idle pods held for a while under a kubelet-like load: what it costs the runtime, how long
/// each kind of call takes, and how far the loop fell behind its own schedule.
public struct SteadyPoint: Codable, Sendable, Equatable {
    /// The calls, by the names the reports use.
    public enum Call {
        public static let relist = "relist"
        public static let listPods = "list-pods"
        public static let listContainers = "list-containers"
        public static let podStatus = "pod-status"
        public static let containerStatus = "container-status"
        public static let listContainerStats = "list-container-stats"
        public static let listPodStats = "list-pod-stats"
        public static let execProbe = "exec-probe"
        public static let all = [
            relist, listPods, listContainers, podStatus, containerStatus, listContainerStats,
            listPodStats, execProbe,
        ]
    }

    public var kind: WorkloadKind
    public var pods: Int
    public var plan: SteadyPlan
    /// Latencies in ns by call; `relist` is the whole relist (both lists and the status calls).
    public var latencyNs: [String: [Int64]] = [:]
    /// How many of each call were made (exec probes a runtime refused included).
    public var calls: [String: Int] = [:]
    /// How late each periodic start was against the loop's schedule, in ns: relist, stats, probe.
    public var lagNs: [String: [Int64]] = [:]
    /// Relists that took longer than their period (what the kubelet's PLEG calls unhealthy).
    public var relistOverruns = 0
    /// Exec probes the runtime refused as unsupported (a wasm instance has no process to exec
    /// into): counted, never timed as a fast probe.
    public var probesUnsupported = 0
    /// Exec probes that failed otherwise (an error, or not the command's output and exit code).
    public var probeFailures = 0
    public var firstProbeError: String?
    /// CPU time of containerd's cgroup (daemon, shims, runtimes) over the loop; nil when this
    /// machine cannot see it.
    public var runtimeCPUNs: Int64?
    /// CPU time of this process over the loop: the harness's own share of the load.
    public var harnessCPUNs: Int64 = 0
    /// The daemon's RSS at the end of the loop minus at its start.
    public var daemonRSSGrowthBytes: Int64?
    public var elapsedNs: Int64 = 0

    public init(kind: WorkloadKind, pods: Int, plan: SteadyPlan) {
        self.kind = kind
        self.pods = pods
        self.plan = plan
    }

    /// The runtime's CPU per pod per minute of steady state, in ns.
    public var runtimeCPUNsPerPodPerMinute: Double? {
        guard let runtimeCPUNs, pods > 0, elapsedNs > 0 else { return nil }
        return Double(runtimeCPUNs) / Double(pods) / (Double(elapsedNs) / 60e9)
    }

    /// The harness's CPU as a share of the runtime's.
    public var harnessShare: Double? {
        guard let runtimeCPUNs, runtimeCPUNs > 0 else { return nil }
        return Double(harnessCPUNs) / Double(runtimeCPUNs)
    }

    public func percentile(_ call: String, _ quantile: Double) -> Int64? {
        let sorted = (latencyNs[call] ?? []).sorted()
        guard !sorted.isEmpty else { return nil }
        return sorted[max(0, min(sorted.count - 1, Int((quantile / 100 * Double(sorted.count)).rounded(.up)) - 1))]
    }

    public var maximumLagNs: Int64 { lagNs.values.flatMap { $0 }.max() ?? 0 }
}

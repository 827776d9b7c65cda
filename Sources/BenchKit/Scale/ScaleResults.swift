import Foundation

/// What `bench scale` measured: density points (N idle pods alive at once) and churn points
/// (K pods started and removed with P in flight), for each side, with raw samples.
public struct ScaleResults: Codable, Sendable {
    public var runID: String
    public var environment: ResultSet.Environment
    public var density: [DensityPoint] = []
    public var churn: [ChurnPoint] = []
    /// Steady state (N idle pods under the kubelet's periodic load); absent from older runs.
    public var steady: [SteadyPoint]?
    public var errors: [String] = []
    public var partial = false
    /// When the run started and ended (absent from runs written before they were recorded).
    public var startedAt: Date?
    public var finishedAt: Date?

    public init(runID: String, environment: ResultSet.Environment, startedAt: Date = Date()) {
        self.runID = runID
        self.environment = environment
        self.startedAt = startedAt
    }
}

extension ScaleResults: RunReport {}

extension ScaleResults {
    /// The run as a ResultSet for the machine-history gate of `bench run`: churn latencies
    /// (flow `ChurnInCri`, op `startup-parallel-P`, one sample per pod), judged as every other
    /// op; and memory per pod (flow `DensityInCri`, op `pss-per-pod-N`, or
    /// `cri-working-set-per-pod-N` when only CRI's figures exist, one value in bytes), judged
    /// by the gate's memory rule.
    public var gateable: ResultSet {
        var set = ResultSet(runID: runID, environment: environment)
        for point in density {
            let tree = point.memorySource == .processTree
            let operation = "\(tree ? "pss" : "cri-working-set")-per-pod-\(point.pods)"
            if !(set.flows["DensityInCri"] ?? []).contains(operation) {
                set.flows["DensityInCri", default: []].append(operation)
            }
            set.record(
                flow: "DensityInCri", operations: [operation], kind: point.kind,
                durations: [tree ? point.pssPerPodBytes : point.criPerPodBytes], window: [0, 0])
        }
        for point in churn {
            let operation = "startup-parallel-\(point.parallel)"
            if !(set.flows["ChurnInCri"] ?? []).contains(operation) {
                set.flows["ChurnInCri", default: []].append(operation)
            }
            for latency in point.startupNs {
                set.record(
                    flow: "ChurnInCri", operations: [operation], kind: point.kind, durations: [latency], window: [0, 0])
            }
        }
        set.partial = partial
        set.errors = errors
        return set
    }
}

/// N pods, each with one idle container, alive at once.
public struct DensityPoint: Codable, Sendable, Equatable {
    /// Where the memory figures come from: the runtime's processes on this machine, or (the
    /// runtime's processes not being visible here) CRI's own stats alone.
    public enum MemorySource: String, Codable, Sendable {
        case processTree = "process-tree", criOnly = "cri-stats-only"
    }

    public var kind: WorkloadKind
    public var pods: Int
    public var memorySource: MemorySource
    /// PSS of everything the pods added, by part: shims, pause (sandbox) and workload processes.
    public var shimPSSBytes: Int64 = 0
    public var pausePSSBytes: Int64 = 0
    public var workloadPSSBytes: Int64 = 0
    /// How many processes of each part were found (a check on the tree walk).
    public var shims = 0, pauseProcesses = 0, workloadProcesses = 0
    /// The containerd daemon's PSS after minus before the pods.
    public var daemonGrowthBytes: Int64?
    /// Sum of the containers' working set as CRI's ListContainerStats reports it.
    public var criWorkingSetBytes: Int64 = 0
    /// The pods' working set as CRI's ListPodSandboxStats reports it (their shared cgroup
    /// parent: pause and containers of all N); nil when the runtime does not implement it.
    public var criPodWorkingSetBytes: Int64?
    /// From the first RunPodSandbox to the last container seen Running.
    public var timeToAllRunningNs: Int64 = 0

    public init(kind: WorkloadKind, pods: Int, memorySource: MemorySource) {
        self.kind = kind
        self.pods = pods
        self.memorySource = memorySource
    }

    public var totalPSSBytes: Int64 { shimPSSBytes + pausePSSBytes + workloadPSSBytes }
    public var pssPerPodBytes: Int64 { pods > 0 ? totalPSSBytes / Int64(pods) : 0 }
    public var criPerPodBytes: Int64 { pods > 0 ? criWorkingSetBytes / Int64(pods) : 0 }
    public var criPodPerPodBytes: Int64? { criPodWorkingSetBytes.map { pods > 0 ? $0 / Int64(pods) : 0 } }
}

/// K pods started, waited Running and removed, P at a time.
public struct ChurnPoint: Codable, Sendable, Equatable {
    public var kind: WorkloadKind
    public var parallel: Int
    public var pods: Int
    /// Pod startup latency as Kubernetes defines it (image present): RunPodSandbox request to
    /// the container seen Running, one per pod that got there.
    public var startupNs: [Int64] = []
    public var wallNs: Int64 = 0
    public var errors = 0
    public var firstError: String?
    /// CPU time the containerd daemon spent during the churn, per pod that started (shims and
    /// runc are not its children in the kernel's accounting and are not included).
    public var daemonCPUNsPerPod: Int64?
    /// CPU time of the runtime's cgroup (containerd with its shims and the runc or wasm-runc
    /// they run) during the churn, per pod that started; nil when the daemon has no cgroup of
    /// its own. Pods' own processes run in the pods' cgroups and are not in it.
    public var runtimeCPUNsPerPod: Int64?
    /// The daemon's largest RSS during the churn (VmHWM, reset through clear_refs before it).
    public var daemonPeakRSSBytes: Int64?

    public init(kind: WorkloadKind, parallel: Int, pods: Int) {
        self.kind = kind
        self.parallel = parallel
        self.pods = pods
    }

    public var podsPerSecond: Double { wallNs > 0 ? Double(startupNs.count) / (Double(wallNs) / 1e9) : 0 }
    public func percentile(_ p: Double) -> Int64? {
        startupNs.isEmpty ? nil : Int64(Summary.percentile(startupNs.sorted(), p))
    }

    /// Kubernetes' pod startup SLO: p99 at most 5 s.
    public static let sloP99Ns: Int64 = 5_000_000_000
    public var meetsSLO: Bool { (percentile(99) ?? .max) <= Self.sloP99Ns && errors == 0 }
}

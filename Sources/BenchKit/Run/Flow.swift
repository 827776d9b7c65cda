import CRIClient

/// Everything a flow needs to run against the runtime.
public struct FlowContext: Sendable {
    public let client: CRIClient
    public let tracker: ResourceTracker
    public let runID: RunID
    public let podLogRoot: String
    public let cgroupParent: String
    /// Grace period given to StopContainer.
    public let stopGracePeriodSeconds: Int64
    /// The kubelet's default grace period; every command's default.
    public static let defaultStopGracePeriodSeconds: Int64 = 10

    public init(
        client: CRIClient, tracker: ResourceTracker, runID: RunID, podLogRoot: String = NodeSettings.current.podLogRoot,
        cgroupParent: String = NodeSettings.current.cgroupParent,
        stopGracePeriodSeconds: Int64 = defaultStopGracePeriodSeconds
    ) {
        self.client = client
        self.tracker = tracker
        self.runID = runID
        self.podLogRoot = podLogRoot
        self.cgroupParent = cgroupParent
        self.stopGracePeriodSeconds = stopGracePeriodSeconds
    }

    public var labels: [String: String] { Ownership.labels(run: runID) }

    /// A labelled pod config with a fresh name, on the CNI network.
    public func podConfig(prefix: String) -> PodSandboxConfig {
        let name = "\(prefix)-\(randomSuffix(length: 8))"
        return .make(
            name: name, uid: name, namespace: Ownership.podNamespace, logDirectory: "\(podLogRoot)/\(name)",
            labels: labels, cgroupParent: cgroupParent)
    }

    /// Stops (at once) and removes a container a flow set up (untimed), and stops tracking it.
    public func tearDownContainer(id: String) async throws {
        try await client.stopContainerSharing(id, gracePeriodSeconds: 0)
        try await client.removeContainerSharing(id)
        await tracker.forget(.container(id: id))
    }

    /// Runs a sandbox for a flow's setUp (untimed) and tracks it.
    public func readySandbox(prefix: String, handler: String) async throws -> ReadySandbox {
        let config = podConfig(prefix: prefix)
        let (id, _) = try await runPodSandbox(config, handler: handler)
        return ReadySandbox(id: id, config: config)
    }

    /// A ready sandbox with one started idle container of `workload` (untimed), both tracked.
    public func startIdlePod(_ workload: Workload, prefix: String) async throws -> ReadySandbox {
        var sandbox = try await readySandbox(prefix: prefix, handler: workload.runtimeHandler)
        let container = ContainerConfig.make(
            name: "idle", image: workload.idleImage, command: workload.idleCommand, labels: labels)
        let containerID = try await client.createContainer(
            in: sandbox.id, config: container, sandboxConfig: sandbox.config)
        await tracker.track(.container(id: containerID))
        try await client.startContainer(containerID)
        sandbox.containerID = containerID
        return sandbox
    }

    /// Removes what startIdlePod or readySandbox made (untimed), container first.
    public func tearDown(_ sandbox: ReadySandbox) async throws {
        if let containerID = sandbox.containerID { try await tearDownContainer(id: containerID) }
        try await tearDownSandbox(id: sandbox.id, logDirectory: sandbox.config.logDirectory)
    }

    /// Stops and removes a sandbox a flow set up (untimed), and stops tracking it.
    public func tearDownSandbox(id: String, logDirectory: String) async throws {
        try await client.stopPodSandboxSharing(id)
        try await client.removePodSandboxSharing(id)
        await tracker.forget(.podSandbox(id: id, logDirectory: logDirectory))
        removeDirectory(logDirectory)
    }

    /// Runs a sandbox, timed, and tracks it for cleanup.
    public func runPodSandbox(_ config: PodSandboxConfig, handler: String) async throws -> (id: String, took: Int64) {
        let (id, took) = try await timed { try await client.runPodSandbox(config, runtimeHandler: handler) }
        await tracker.track(.podSandbox(id: id, logDirectory: config.logDirectory))
        return (id, took)
    }
}

/// One benchmarked lifecycle (after cri-tools' pkg/benchmark: one file per flow). A flow names
/// its operations once; every report uses these names. What setUp prepares for a side (a
/// ready sandbox, say) is handed to each sample and to tearDown, so a flow holds no state.
public protocol Flow: Sendable {
    /// What setUp prepares for one side.
    associatedtype Prepared: Sendable = Void
    /// The Go benchmark name without "Benchmark", e.g. "ImageInCri".
    var name: String { get }
    var operations: [String] { get }
    /// How each timed call sits in time; lifecycle flows time calls between the flow's others.
    var pattern: TimingPattern { get }
    /// Untimed preparation for one side (e.g. a ready sandbox, the image present).
    func setUp(_ workload: Workload, context: FlowContext) async throws -> Prepared
    /// One sample: a duration in nanoseconds for each operation, in `operations` order.
    func sample(_ workload: Workload, prepared: Prepared, context: FlowContext) async throws -> [Int64]
    /// Untimed teardown of what setUp made (cleanup of leftovers is the tracker's job).
    func tearDown(_ workload: Workload, prepared: Prepared, context: FlowContext) async throws
    /// The runtime's own words when setUp found that this side cannot do what the flow times
    /// (a wasm instance cannot exec): the side is reported as not measured, with that answer.
    func refusal(_ prepared: Prepared) -> String?
}

extension Flow {
    public var pattern: TimingPattern { .inFlow }
    public func tearDown(_ workload: Workload, prepared: Prepared, context: FlowContext) async throws {}
    public func refusal(_ prepared: Prepared) -> String? { nil }
}

extension Flow where Prepared == Void {
    public func setUp(_ workload: Workload, context: FlowContext) async throws {}
}

/// A sandbox a flow made ready in setUp (with, for some flows, a running container in it).
public struct ReadySandbox: Sendable {
    public let id: String
    public let config: PodSandboxConfig
    public var containerID: String?
}

/// Runs `body` and returns its result with the wall-clock nanoseconds it took. The timed region
/// wraps only `body`, which should be exactly the RPC.
@inline(__always)
public func timed<T>(_ body: () async throws -> T) async rethrows -> (T, Int64) {
    let clock = ContinuousClock()
    let start = clock.now
    let value = try await body()
    return (value, (clock.now - start).nanoseconds)
}

extension Duration {
    public var nanoseconds: Int64 {
        let parts = components
        return parts.seconds * 1_000_000_000 + parts.attoseconds / 1_000_000_000
    }
}

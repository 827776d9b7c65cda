import CRIClient

/// The cheap read-only calls a kubelet makes all the time (status and list), timed back to
/// back as critest times them: each timed call comes right after an untimed one of the same
/// kind, so it finds client, socket and runtime awake. Set these beside critest's figures; the
/// lifecycle flows' status and list ops are timed in-flow and include a wake-up.
public final class ReadOnlyFlow: Flow, @unchecked Sendable {
    public let name = "ReadsInCri"
    public let operations = ["image-status", "list-images", "pod-status", "container-status", "list-pods", "list-containers"]
    public var pattern: TimingPattern { .backToBack }

    /// A sandbox with one running idle container per side, made in setUp.
    private var subjects: [WorkloadKind: (sandboxID: String, containerID: String, logDirectory: String)] = [:]

    public init() {}

    public func setUp(_ workload: Workload, context: FlowContext) async throws {
        try await ensureImage(workload.idleImage, context: context)
        let config = context.podConfig(prefix: "bench-reads-\(workload.kind.rawValue)")
        let (sandboxID, _) = try await context.runPodSandbox(config, handler: workload.runtimeHandler)
        let container = ContainerConfig.make(name: "idle", image: workload.idleImage, command: workload.idleCommand, labels: context.labels)
        let containerID = try await context.client.createContainer(in: sandboxID, config: container, sandboxConfig: config)
        await context.tracker.track(.container(id: containerID))
        try await context.client.startContainer(containerID)
        subjects[workload.kind] = (sandboxID, containerID, config.logDirectory)
    }

    public func sample(_ workload: Workload, context: FlowContext) async throws -> [Int64] {
        guard let subject = subjects[workload.kind] else { throw BenchError("no sandbox for \(workload.kind.rawValue): setUp did not run") }
        let client = context.client
        let calls: [@Sendable () async throws -> Void] = [
            { _ = try await client.imageStatus(workload.idleImage) },
            { _ = try await client.listImages() },
            { _ = try await client.podSandboxStatus(subject.sandboxID) },
            { _ = try await client.containerStatus(subject.containerID) },
            { _ = try await client.listPodSandbox() },
            { _ = try await client.listContainers() },
        ]
        var durations: [Int64] = []
        for call in calls {
            try await call()
            let (_, took) = try await timed { try await call() }
            durations.append(took)
        }
        return durations
    }

    public func tearDown(_ workload: Workload, context: FlowContext) async throws {
        guard let subject = subjects.removeValue(forKey: workload.kind) else { return }
        try await context.client.stopContainer(subject.containerID, gracePeriodSeconds: 0)
        try await context.client.removeContainer(subject.containerID)
        await context.tracker.forget(.container(id: subject.containerID))
        try await context.tearDownSandbox(id: subject.sandboxID, logDirectory: subject.logDirectory)
    }
}

import CRIClient

/// The cheap read-only calls a kubelet makes all the time (status and list), timed back to
/// back as critest times them: each timed call comes right after an untimed one of the same
/// kind, so it finds client, socket and runtime awake. Set these beside critest's figures; the
/// lifecycle flows' status and list ops are timed in-flow and include a wake-up.
public struct ReadOnlyFlow: Flow {
    public let name = "ReadsInCri"
    public let operations = [
        "image-status", "list-images", "pod-status", "container-status", "list-pods", "list-containers",
    ]
    public var pattern: TimingPattern { .backToBack }

    public init() {}

    /// A sandbox with one running idle container per side.
    public func setUp(_ workload: Workload, context: FlowContext) async throws -> ReadySandbox {
        try await ensureImage(workload.idleImage, context: context)
        return try await context.startIdlePod(workload, prefix: "bench-reads-\(workload.kind.rawValue)")
    }

    public func sample(
        _ workload: Workload, prepared subject: ReadySandbox, context: FlowContext
    ) async throws -> [Int64] {
        guard let containerID = subject.containerID else {
            throw BenchError("no container in the reads flow's sandbox \(subject.id)")
        }
        let client = context.client
        let calls: [@Sendable () async throws -> Void] = [
            { _ = try await client.imageStatus(workload.idleImage) },
            { _ = try await client.listImages() },
            { _ = try await client.podSandboxStatus(subject.id) },
            { _ = try await client.containerStatus(containerID) },
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

    public func tearDown(_ workload: Workload, prepared subject: ReadySandbox, context: FlowContext) async throws {
        try await context.tearDown(subject)
    }
}

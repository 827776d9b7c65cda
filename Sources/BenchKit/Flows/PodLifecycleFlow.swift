import CRIClient

/// A pod sandbox's lifecycle with the side's runtime handler.
public struct PodLifecycleFlow: Flow {
    public let name = "PodSandboxInCri"
    public let operations = ["run", "status", "stop", "remove"]

    public init() {}

    public func sample(_ workload: Workload, prepared: Void, context: FlowContext) async throws -> [Int64] {
        let client = context.client
        let config = context.podConfig(prefix: "bench-pod-\(workload.kind.rawValue)")
        let (id, run) = try await context.runPodSandbox(config, handler: workload.runtimeHandler)
        let (status, statusTook) = try await timed { try await client.podSandboxStatus(id) }
        guard status.status.state == .sandboxReady else {
            throw BenchError("pod sandbox \(id) is not ready after RunPodSandbox")
        }
        let (_, stop) = try await timed { try await client.stopPodSandboxSharing(id) }
        let (_, remove) = try await timed { try await client.removePodSandboxSharing(id) }
        await context.tracker.forget(.podSandbox(id: id, logDirectory: config.logDirectory))
        removeDirectory(config.logDirectory)
        return [run, statusTook, stop, remove]
    }
}

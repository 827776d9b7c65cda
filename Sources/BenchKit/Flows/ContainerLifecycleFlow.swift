import CRIClient

/// A container's lifecycle in a sandbox that is already ready: create, start, status, stop,
/// remove, with an idle long-running workload on each side.
public struct ContainerLifecycleFlow: Flow {
    public let name = "ContainerInCri"
    public let operations = ["create", "start", "status", "stop", "remove"]

    public init() {}

    public func setUp(_ workload: Workload, context: FlowContext) async throws -> ReadySandbox {
        try await ensureImage(workload.idleImage, context: context)
        return try await context.readySandbox(
            prefix: "bench-ctr-\(workload.kind.rawValue)", handler: workload.runtimeHandler)
    }

    public func sample(
        _ workload: Workload, prepared sandbox: ReadySandbox, context: FlowContext
    ) async throws -> [Int64] {
        let client = context.client
        let config = ContainerConfig.make(
            name: "idle-\(randomSuffix(length: 6))", image: workload.idleImage,
            command: workload.idleCommand, labels: context.labels)
        let (id, create) = try await timed {
            try await client.createContainer(in: sandbox.id, config: config, sandboxConfig: sandbox.config)
        }
        await context.tracker.track(.container(id: id))
        let (_, start) = try await timed { try await client.startContainer(id) }
        let (status, statusTook) = try await timed { try await client.containerStatus(id) }
        guard status.state == .containerRunning else {
            throw BenchError(
                "\(workload.kind.rawValue) container \(id) is \(status.state) after StartContainer (exit "
                    + "\(status.exitCode), \(status.reason))"
            )
        }
        let (_, stop) = try await timed {
            try await client.stopContainerSharing(id, gracePeriodSeconds: context.stopGracePeriodSeconds)
        }
        let (_, remove) = try await timed { try await client.removeContainerSharing(id) }
        await context.tracker.forget(.container(id: id))
        return [create, start, statusTook, stop, remove]
    }

    public func tearDown(_ workload: Workload, prepared sandbox: ReadySandbox, context: FlowContext) async throws {
        try await context.tearDown(sandbox)
    }
}

/// Pulls `image` unless the runtime has it; an image this run pulled is removed at its end.
func ensureImage(_ image: String, context: FlowContext) async throws {
    if try await context.client.imageStatus(image) == nil {
        _ = try await context.client.pullImage(image)
        await context.tracker.trackOnce(.image(reference: image))
    }
}

import CRIClient
import Foundation

/// The figure a user feels: from RunPodSandbox to the workload's first line in its CRI log
/// (run sandbox, create, start, first line seen), then the full teardown.
public struct EndToEndFlow: Flow {
    public let name = "EndToEnd"
    public let operations = ["run-to-first-line", "teardown"]
    /// How long to wait for the first line before calling the sample failed.
    public let firstLineTimeout: Duration

    public init(firstLineTimeout: Duration = .seconds(30)) {
        self.firstLineTimeout = firstLineTimeout
    }

    public func setUp(_ workload: Workload, context: FlowContext) async throws {
        try await ensureImage(workload.idleImage, context: context)
    }

    public func sample(_ workload: Workload, prepared: Void, context: FlowContext) async throws -> [Int64] {
        let client = context.client
        let podConfig = context.podConfig(prefix: "bench-e2e-\(workload.kind.rawValue)")
        let containerConfig = ContainerConfig.make(
            name: "first-line", image: workload.idleImage,
            command: workload.idleCommand, labels: context.labels)
        let logPath = "\(podConfig.logDirectory)/\(containerConfig.logPath)"
        let clock = ContinuousClock()
        let begin = clock.now
        let (podID, _) = try await context.runPodSandbox(podConfig, handler: workload.runtimeHandler)
        let containerID = try await client.createContainer(in: podID, config: containerConfig, sandboxConfig: podConfig)
        await context.tracker.track(.container(id: containerID))
        try await client.startContainer(containerID)
        try await waitForFirstLine(logPath, deadline: begin + firstLineTimeout)
        let firstLine = (clock.now - begin).nanoseconds

        let teardownBegin = clock.now
        try await client.stopContainerSharing(containerID, gracePeriodSeconds: context.stopGracePeriodSeconds)
        try await client.removeContainerSharing(containerID)
        try await client.stopPodSandboxSharing(podID)
        try await client.removePodSandboxSharing(podID)
        let teardown = (clock.now - teardownBegin).nanoseconds
        await context.tracker.forget(.container(id: containerID))
        await context.tracker.forget(.podSandbox(id: podID, logDirectory: podConfig.logDirectory))
        removeDirectory(podConfig.logDirectory)
        return [firstLine, teardown]
    }

    /// Polls the CRI log file every millisecond until it holds a complete line.
    private func waitForFirstLine(_ path: String, deadline: ContinuousClock.Instant) async throws {
        while true {
            if let data = FileManager.default.contents(atPath: path), data.contains(UInt8(ascii: "\n")) { return }
            if ContinuousClock.now >= deadline { throw BenchError("no line in \(path) before the deadline") }
            try await Task.sleep(for: .milliseconds(1))
        }
    }
}

import BenchKit
import CRIClient
import Foundation
import Testing

/// Connects to the runtime under test. An unreachable runtime is a test failure, never a
/// skip: the error names the endpoint and how to start CRIBench's runtime.
func withRuntime<Result: Sendable>(_ body: (CRIClient) async throws -> Result) async throws -> Result {
    let environment = TestEnvironment.shared
    if let error = environment.endpointError { throw error }
    return try await withCRIClient(endpoint: environment.endpoint, timeout: environment.callTimeout, body)
}

/// A pod sandbox the test owns; removed with its containers when the test ends, pass or fail.
struct TestPod: Sendable {
    let id: String
    let config: PodSandboxConfig
    var logDirectory: String { config.logDirectory }
}

/// How many pods and containers labelled with run `runID` the runtime still holds.
func runLeftovers(_ runID: String) async throws -> Int {
    try await withRuntime { client in
        try await client.listPodSandbox(labels: [Ownership.runLabel: runID]).count
            + client.listContainers(labels: [Ownership.runLabel: runID]).count
    }
}

/// A pod config named `name` plus a random suffix, labelled with the suite's run, in CRIBench's
/// namespace, cgroup parent and log root.
func testPodConfig(_ name: String, hostNetwork: Bool = false) -> PodSandboxConfig {
    let environment = TestEnvironment.shared
    let uniqueName = "\(name)-\(randomSuffix(length: 6))"
    return PodSandboxConfig.make(
        name: uniqueName, uid: UUID().uuidString.lowercased(), namespace: Ownership.podNamespace,
        logDirectory: "\(environment.podLogRoot)/\(uniqueName)", labels: environment.labels,
        cgroupParent: environment.node.cgroupParent, hostNetwork: hostNetwork)
}

/// Runs `body` and then `cleanup`, whether `body` returned or threw.
func withCleanup<Result>(_ body: () async throws -> Result, cleanup: () async -> Void) async throws -> Result {
    let result: Result
    do {
        result = try await body()
    } catch {
        await cleanup()
        throw error
    }
    await cleanup()
    return result
}

/// Runs a pod sandbox with the suite's runtime handler (or `handler`), passes it to `body`,
/// then stops and removes it and every container in it. With `image`, the image is made
/// present for the pod's lifetime (see ``withImage(_:_:_:)``).
func withPodSandbox<Result>(
    _ client: CRIClient,
    name: String,
    hostNetwork: Bool = false,
    handler: String? = nil,
    image: String? = nil,
    _ body: (TestPod) async throws -> Result
) async throws -> Result {
    if let image {
        return try await withImage(client, image) {
            try await withPodSandbox(client, name: name, hostNetwork: hostNetwork, handler: handler, body)
        }
    }
    let environment = TestEnvironment.shared
    let config = testPodConfig(name, hostNetwork: hostNetwork)
    let tracker = ResourceTracker()
    let id = try await client.runPodSandbox(config, runtimeHandler: handler ?? environment.runtimeHandler)
    await tracker.track(.podSandbox(id: id, logDirectory: config.logDirectory))
    return try await withCleanup {
        try await body(TestPod(id: id, config: config))
    } cleanup: {
        // The sandbox's removal removes its containers too; stop them first so that
        // the removal does not wait on a container's grace period.
        if let containers = try? await client.listContainers(podSandboxID: id) {
            for container in containers {
                await tracker.track(.container(id: container.id))
            }
        }
        let failures = await tracker.removeAll(using: client)
        for failure in failures { Issue.record("cleanup: \(failure)") }
    }
}

/// Runs `body` with `image` present: pulls it unless the runtime has it (containerd's
/// EnsureImageExists), and removes it afterwards if this call pulled it, so the suite leaves
/// the runtime's images as it found them.
func withImage<Result>(_ client: CRIClient, _ image: String, _ body: () async throws -> Result) async throws -> Result {
    guard try await client.imageStatus(image) == nil else { return try await body() }
    _ = try await client.pullImage(image)
    return try await withCleanup(body) {
        do { try await client.removeImage(image) } catch { Issue.record("cleanup: \(error)") }
    }
}

/// Waits until container `id` has exited; its status then.
func waitUntilExited(
    _ client: CRIClient, _ id: String, timeout: Duration = .seconds(20)
) async throws -> ContainerStatus {
    try await eventually(timeout: timeout, "container \(id) exits") {
        try await client.containerStatus(id).state == .containerExited
    }
    return try await client.containerStatus(id)
}

/// Creates and starts a container in `pod` and waits for it to exit: its id and final status.
func runToExit(
    _ client: CRIClient, in pod: TestPod, _ config: ContainerConfig, timeout: Duration = .seconds(20)
) async throws -> (id: String, status: ContainerStatus) {
    let id = try await createContainer(client, in: pod, config)
    try await client.startContainer(id)
    return (id, try await waitUntilExited(client, id, timeout: timeout))
}

/// Creates a container in `pod`; it is removed with the pod.
func createContainer(_ client: CRIClient, in pod: TestPod, _ config: ContainerConfig) async throws -> String {
    var config = config
    config.labels.merge(TestEnvironment.shared.labels) { mine, _ in mine }
    return try await client.createContainer(in: pod.id, config: config, sandboxConfig: pod.config)
}

/// Polls `condition` until it holds or `timeout` passes (instead of sleeping a fixed time).
func eventually(
    timeout: Duration = .seconds(20),
    every interval: Duration = .milliseconds(100),
    _ what: String,
    _ condition: () async throws -> Bool
) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while true {
        if try await condition() { return }
        if clock.now >= deadline {
            throw TestFailure("timed out after \(timeout) waiting until \(what)")
        }
        try await Task.sleep(for: interval)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The lines a container wrote to its CRI log file, without the CRI prefix
/// ("<timestamp> <stream> <P|F> <text>").
func containerLogLines(_ pod: TestPod, _ status: ContainerStatus) -> [String] {
    let path = status.logPath.hasPrefix("/") ? status.logPath : "\(pod.logDirectory)/\(status.logPath)"
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
    return text.split(separator: "\n").map { line in
        let fields = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
        return fields.count == 4 ? String(fields[3]) : String(line)
    }
}

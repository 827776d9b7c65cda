import GRPCCore

/// RuntimeService: version, status, pod sandboxes and containers.
extension CRIClient {
    public func version() async throws(CRIError) -> VersionInfo {
        try await perform("Version") { try await $0.runtime.version(.with { $0.version = "v1" }, options: $1) }
    }

    public func status(verbose: Bool = false) async throws(CRIError) -> RuntimeStatusInfo {
        try await perform("Status") { try await $0.runtime.status(.with { $0.verbose = verbose }, options: $1) }
    }

    // MARK: Pod sandboxes

    /// Runs a pod sandbox; `runtimeHandler` empty means the runtime's default.
    public func runPodSandbox(_ config: PodSandboxConfig, runtimeHandler: String = "", timeout: Duration? = nil) async throws(CRIError) -> String {
        let request = Runtime_V1_RunPodSandboxRequest.with {
            $0.config = config
            $0.runtimeHandler = runtimeHandler
        }
        return try await perform("RunPodSandbox", timeout: timeout) { try await $0.runtime.runPodSandbox(request, options: $1).podSandboxID }
    }

    public func stopPodSandbox(_ id: String, timeout: Duration? = nil) async throws(CRIError) {
        _ = try await perform("StopPodSandbox", timeout: timeout) { try await $0.runtime.stopPodSandbox(.with { $0.podSandboxID = id }, options: $1) }
    }

    public func removePodSandbox(_ id: String, timeout: Duration? = nil) async throws(CRIError) {
        _ = try await perform("RemovePodSandbox", timeout: timeout) { try await $0.runtime.removePodSandbox(.with { $0.podSandboxID = id }, options: $1) }
    }

    public func podSandboxStatus(_ id: String, verbose: Bool = false) async throws(CRIError) -> Runtime_V1_PodSandboxStatusResponse {
        let request = Runtime_V1_PodSandboxStatusRequest.with {
            $0.podSandboxID = id
            $0.verbose = verbose
        }
        return try await perform("PodSandboxStatus") { try await $0.runtime.podSandboxStatus(request, options: $1) }
    }

    public func listPodSandbox(labels: [String: String] = [:], id: String = "") async throws(CRIError) -> [PodSandbox] {
        let request = Runtime_V1_ListPodSandboxRequest.with {
            $0.filter = .with {
                $0.labelSelector = labels
                $0.id = id
            }
        }
        return try await perform("ListPodSandbox", maxResponseBytes: Self.maxListResponseBytes) { try await $0.runtime.listPodSandbox(request, options: $1).items }
    }

    // MARK: Containers

    public func createContainer(in podSandboxID: String, config: ContainerConfig, sandboxConfig: PodSandboxConfig, timeout: Duration? = nil) async throws(CRIError) -> String {
        let request = Runtime_V1_CreateContainerRequest.with {
            $0.podSandboxID = podSandboxID
            $0.config = config
            $0.sandboxConfig = sandboxConfig
        }
        return try await perform("CreateContainer", timeout: timeout) { try await $0.runtime.createContainer(request, options: $1).containerID }
    }

    public func startContainer(_ id: String, timeout: Duration? = nil) async throws(CRIError) {
        _ = try await perform("StartContainer", timeout: timeout) { try await $0.runtime.startContainer(.with { $0.containerID = id }, options: $1) }
    }

    /// Stops a container, giving it `gracePeriodSeconds` between SIGTERM and SIGKILL.
    /// The call's own deadline is stretched past the grace period.
    public func stopContainer(_ id: String, gracePeriodSeconds: Int64, timeout: Duration? = nil) async throws(CRIError) {
        let request = Runtime_V1_StopContainerRequest.with {
            $0.containerID = id
            $0.timeout = gracePeriodSeconds
        }
        let deadline = timeout ?? (self.timeout + .seconds(gracePeriodSeconds))
        _ = try await perform("StopContainer", timeout: deadline) { try await $0.runtime.stopContainer(request, options: $1) }
    }

    public func removeContainer(_ id: String, timeout: Duration? = nil) async throws(CRIError) {
        _ = try await perform("RemoveContainer", timeout: timeout) { try await $0.runtime.removeContainer(.with { $0.containerID = id }, options: $1) }
    }

    public func listContainers(podSandboxID: String = "", labels: [String: String] = [:]) async throws(CRIError) -> [Container] {
        let request = Runtime_V1_ListContainersRequest.with {
            $0.filter = .with {
                $0.podSandboxID = podSandboxID
                $0.labelSelector = labels
            }
        }
        return try await perform("ListContainers", maxResponseBytes: Self.maxListResponseBytes) { try await $0.runtime.listContainers(request, options: $1).containers }
    }

    public func containerStatus(_ id: String, verbose: Bool = false) async throws(CRIError) -> ContainerStatus {
        let request = Runtime_V1_ContainerStatusRequest.with {
            $0.containerID = id
            $0.verbose = verbose
        }
        return try await perform("ContainerStatus") { try await $0.runtime.containerStatus(request, options: $1).status }
    }

    public func containerStats(_ id: String) async throws(CRIError) -> ContainerStats {
        try await perform("ContainerStats") { try await $0.runtime.containerStats(.with { $0.containerID = id }, options: $1).stats }
    }

    public func listContainerStats(podSandboxID: String = "", labels: [String: String] = [:]) async throws(CRIError) -> [ContainerStats] {
        let request = Runtime_V1_ListContainerStatsRequest.with {
            $0.filter = .with {
                $0.podSandboxID = podSandboxID
                $0.labelSelector = labels
            }
        }
        return try await perform("ListContainerStats", maxResponseBytes: Self.maxListResponseBytes) { try await $0.runtime.listContainerStats(request, options: $1).stats }
    }

    /// Runs `command` in a running container and waits up to `commandTimeoutSeconds` (0: no limit).
    public func execSync(_ id: String, command: [String], commandTimeoutSeconds: Int64 = 10) async throws(CRIError) -> ExecSyncResult {
        let request = Runtime_V1_ExecSyncRequest.with {
            $0.containerID = id
            $0.cmd = command
            $0.timeout = commandTimeoutSeconds
        }
        let deadline = self.timeout + .seconds(commandTimeoutSeconds)
        return try await perform("ExecSync", timeout: deadline) { try await $0.runtime.execSync(request, options: $1) }
    }
}

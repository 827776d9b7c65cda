/// RuntimeService: version, status, pod sandboxes and containers.
extension CRIClient {
    public func version() async throws(CRIError) -> VersionInfo {
        try await perform(.runtime, "Version", Runtime_V1_VersionRequest.with { $0.version = "v1" })
    }

    public func status(verbose: Bool = false) async throws(CRIError) -> RuntimeStatusInfo {
        try await perform(.runtime, "Status", Runtime_V1_StatusRequest.with { $0.verbose = verbose })
    }

    // MARK: Pod sandboxes

    /// Runs a pod sandbox; `runtimeHandler` empty means the runtime's default.
    public func runPodSandbox(
        _ config: PodSandboxConfig, runtimeHandler: String = "", timeout: Duration? = nil
    ) async throws(CRIError) -> String {
        let request = Runtime_V1_RunPodSandboxRequest.with {
            $0.config = config
            $0.runtimeHandler = runtimeHandler
        }
        let response: Runtime_V1_RunPodSandboxResponse = try await perform(
            .runtime, "RunPodSandbox", request, timeout: timeout)
        return response.podSandboxID
    }

    public func stopPodSandbox(_ id: String, timeout: Duration? = nil) async throws(CRIError) {
        let _: Runtime_V1_StopPodSandboxResponse = try await perform(
            .runtime, "StopPodSandbox", Runtime_V1_StopPodSandboxRequest.with { $0.podSandboxID = id }, timeout: timeout
        )
    }

    public func removePodSandbox(_ id: String, timeout: Duration? = nil) async throws(CRIError) {
        let _: Runtime_V1_RemovePodSandboxResponse = try await perform(
            .runtime, "RemovePodSandbox", Runtime_V1_RemovePodSandboxRequest.with { $0.podSandboxID = id },
            timeout: timeout)
    }

    public func podSandboxStatus(
        _ id: String, verbose: Bool = false
    ) async throws(CRIError) -> Runtime_V1_PodSandboxStatusResponse {
        let request = Runtime_V1_PodSandboxStatusRequest.with {
            $0.podSandboxID = id
            $0.verbose = verbose
        }
        return try await perform(.runtime, "PodSandboxStatus", request)
    }

    public func listPodSandbox(labels: [String: String] = [:], id: String = "") async throws(CRIError) -> [PodSandbox] {
        let request = Runtime_V1_ListPodSandboxRequest.with {
            $0.filter = .with {
                $0.labelSelector = labels
                $0.id = id
            }
        }
        let response: Runtime_V1_ListPodSandboxResponse = try await perform(.runtime, "ListPodSandbox", request)
        return response.items
    }

    // MARK: Containers

    public func createContainer(
        in podSandboxID: String, config: ContainerConfig, sandboxConfig: PodSandboxConfig, timeout: Duration? = nil
    ) async throws(CRIError) -> String {
        let request = Runtime_V1_CreateContainerRequest.with {
            $0.podSandboxID = podSandboxID
            $0.config = config
            $0.sandboxConfig = sandboxConfig
        }
        let response: Runtime_V1_CreateContainerResponse = try await perform(
            .runtime, "CreateContainer", request, timeout: timeout)
        return response.containerID
    }

    public func startContainer(_ id: String, timeout: Duration? = nil) async throws(CRIError) {
        let _: Runtime_V1_StartContainerResponse = try await perform(
            .runtime, "StartContainer", Runtime_V1_StartContainerRequest.with { $0.containerID = id }, timeout: timeout)
    }

    /// Stops a container, giving it `gracePeriodSeconds` between SIGTERM and SIGKILL.
    /// The call's own deadline is stretched past the grace period.
    public func stopContainer(_ id: String, gracePeriodSeconds: Int64, timeout: Duration? = nil) async throws(CRIError)
    {
        let request = Runtime_V1_StopContainerRequest.with {
            $0.containerID = id
            $0.timeout = gracePeriodSeconds
        }
        let deadline = timeout ?? (self.timeout + .seconds(gracePeriodSeconds))
        let _: Runtime_V1_StopContainerResponse = try await perform(
            .runtime, "StopContainer", request, timeout: deadline)
    }

    public func removeContainer(_ id: String, timeout: Duration? = nil) async throws(CRIError) {
        let _: Runtime_V1_RemoveContainerResponse = try await perform(
            .runtime, "RemoveContainer", Runtime_V1_RemoveContainerRequest.with { $0.containerID = id },
            timeout: timeout)
    }

    public func listContainers(
        podSandboxID: String = "", labels: [String: String] = [:]
    ) async throws(CRIError) -> [Container] {
        let request = Runtime_V1_ListContainersRequest.with {
            $0.filter = .with {
                $0.podSandboxID = podSandboxID
                $0.labelSelector = labels
            }
        }
        let response: Runtime_V1_ListContainersResponse = try await perform(.runtime, "ListContainers", request)
        return response.containers
    }

    public func containerStatus(_ id: String, verbose: Bool = false) async throws(CRIError) -> ContainerStatus {
        try await containerStatusResponse(id, verbose: verbose).status
    }

    /// The whole answer, with the runtime's verbose `info` (containerd's holds the pid).
    public func containerStatusResponse(
        _ id: String, verbose: Bool = false
    ) async throws(CRIError) -> Runtime_V1_ContainerStatusResponse {
        let request = Runtime_V1_ContainerStatusRequest.with {
            $0.containerID = id
            $0.verbose = verbose
        }
        return try await perform(.runtime, "ContainerStatus", request)
    }

    public func containerStats(_ id: String) async throws(CRIError) -> ContainerStats {
        let response: Runtime_V1_ContainerStatsResponse = try await perform(
            .runtime, "ContainerStats", Runtime_V1_ContainerStatsRequest.with { $0.containerID = id })
        return response.stats
    }

    public func listContainerStats(
        podSandboxID: String = "", labels: [String: String] = [:]
    ) async throws(CRIError) -> [ContainerStats] {
        let request = Runtime_V1_ListContainerStatsRequest.with {
            $0.filter = .with {
                $0.podSandboxID = podSandboxID
                $0.labelSelector = labels
            }
        }
        let response: Runtime_V1_ListContainerStatsResponse = try await perform(.runtime, "ListContainerStats", request)
        return response.stats
    }

    /// Each pod's own stats (its cgroup: pause and containers together) with its containers'.
    public func listPodSandboxStats(
        id: String = "", labels: [String: String] = [:]
    ) async throws(CRIError) -> [PodSandboxStats] {
        let request = Runtime_V1_ListPodSandboxStatsRequest.with {
            $0.filter = .with {
                $0.id = id
                $0.labelSelector = labels
            }
        }
        let response: Runtime_V1_ListPodSandboxStatsResponse = try await perform(
            .runtime, "ListPodSandboxStats", request)
        return response.stats
    }

    /// Runs `command` in a running container and waits up to `commandTimeoutSeconds` (0: no limit).
    public func execSync(
        _ id: String, command: [String], commandTimeoutSeconds: Int64 = 10
    ) async throws(CRIError) -> ExecSyncResult {
        let request = Runtime_V1_ExecSyncRequest.with {
            $0.containerID = id
            $0.cmd = command
            $0.timeout = commandTimeoutSeconds
        }
        let deadline = self.timeout + .seconds(commandTimeoutSeconds)
        return try await perform(.runtime, "ExecSync", request, timeout: deadline)
    }
}

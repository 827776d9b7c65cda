// Short names for the generated CRI v1 messages the harness and its users handle most.
public typealias PodSandboxConfig = Runtime_V1_PodSandboxConfig
public typealias PodSandboxStatus = Runtime_V1_PodSandboxStatus
public typealias PodSandbox = Runtime_V1_PodSandbox
public typealias PodSandboxFilter = Runtime_V1_PodSandboxFilter
public typealias ContainerConfig = Runtime_V1_ContainerConfig
public typealias ContainerStatus = Runtime_V1_ContainerStatus
public typealias ContainerState = Runtime_V1_ContainerState
public typealias Container = Runtime_V1_Container
public typealias ContainerFilter = Runtime_V1_ContainerFilter
public typealias ContainerStats = Runtime_V1_ContainerStats
public typealias CRIImage = Runtime_V1_Image
public typealias ImageSpec = Runtime_V1_ImageSpec
public typealias NamespaceMode = Runtime_V1_NamespaceMode
public typealias VersionInfo = Runtime_V1_VersionResponse
public typealias RuntimeStatusInfo = Runtime_V1_StatusResponse
public typealias ExecSyncResult = Runtime_V1_ExecSyncResponse
public typealias FilesystemUsage = Runtime_V1_FilesystemUsage

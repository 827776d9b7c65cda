/// Pod and container configurations with the defaults a test or benchmark on one node wants,
/// adjusted through small options (after containerd's integration suite).
extension PodSandboxConfig {
    /// A pod sandbox config. `logDirectory` is where the runtime writes its containers' logs.
    /// A host-network pod gets an empty hostname (the runtime then uses the node's).
    public static func make(
        name: String,
        uid: String,
        namespace: String,
        logDirectory: String,
        labels: [String: String] = [:],
        cgroupParent: String = "",
        hostNetwork: Bool = false
    ) -> PodSandboxConfig {
        .with {
            $0.metadata = .with {
                $0.name = name
                $0.uid = uid
                $0.namespace = namespace
                $0.attempt = 0
            }
            $0.hostname = hostNetwork ? "" : name
            $0.logDirectory = logDirectory
            $0.labels = labels
            $0.linux = .with {
                $0.cgroupParent = cgroupParent
                $0.securityContext = .with {
                    $0.namespaceOptions = .with { $0.network = hostNetwork ? .node : .pod }
                }
            }
        }
    }
}

extension ContainerConfig {
    /// A container config whose log goes to `<pod log directory>/<name>.log`.
    public static func make(
        name: String,
        image: String,
        command: [String] = [],
        args: [String] = [],
        environment: [String: String] = [:],
        labels: [String: String] = [:],
        memoryLimitBytes: Int64? = nil,
        attempt: UInt32 = 0
    ) -> ContainerConfig {
        .with {
            $0.metadata = .with {
                $0.name = name
                $0.attempt = attempt
            }
            $0.image = .with { $0.image = image }
            $0.command = command
            $0.args = args
            $0.envs = environment.sorted { $0.key < $1.key }.map { pair in
                .with {
                    $0.key = pair.key; $0.value = pair.value
                }
            }
            $0.labels = labels
            $0.logPath = "\(name)_\(attempt).log"
            if let memoryLimitBytes {
                $0.linux = .with { $0.resources = .with { $0.memoryLimitInBytes = memoryLimitBytes } }
            }
        }
    }
}

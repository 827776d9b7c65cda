import CRIClient

/// What the kubelet sends to CRI for a Pod manifest (pkg/kubelet/kuberuntime's sandbox and
/// container configs, reduced to the fields bench pod supports), plus CRIBench's own labels.
extension PodManifest {
    /// The labels the kubelet puts on every sandbox and container it creates.
    func kubeletLabels(uid: String) -> [String: String] {
        ["io.kubernetes.pod.name": name, "io.kubernetes.pod.namespace": namespace, "io.kubernetes.pod.uid": uid]
    }

    func sandboxConfig(
        uid: String, logDirectory: String, cgroupParent: String, ownership: [String: String]
    ) -> PodSandboxConfig {
        var config = PodSandboxConfig.make(
            name: name, uid: uid, namespace: namespace, logDirectory: logDirectory,
            labels: labels.merging(kubeletLabels(uid: uid)) { $1 }.merging(ownership) { $1 },
            cgroupParent: cgroupParent, hostNetwork: hostNetwork)
        config.annotations = annotations
        // The kubelet's default: a PID namespace per container (shareProcessNamespace unset).
        config.linux.securityContext.namespaceOptions.pid = .container
        return config
    }
}

extension ContainerManifest {
    /// Kubernetes' cgroup v1 arithmetic: shares from the CPU request (at least 2), a quota over a
    /// 100 ms period from the CPU limit (at least 1 ms).
    var linuxResources: Runtime_V1_LinuxContainerResources {
        .with {
            $0.cpuShares = max(2, (cpuRequestMillis ?? 0) * 1024 / 1000)
            // A zero limit sets no quota, as in the kubelet.
            if let limit = cpuLimitMillis, limit > 0 {
                $0.cpuPeriod = 100_000
                $0.cpuQuota = max(1000, limit * 100_000 / 1000)
            }
            if let memoryLimitBytes { $0.memoryLimitInBytes = memoryLimitBytes }
        }
    }

    /// `hostPaths` maps each volume name to the host path the pod's volume is at.
    /// The env values, downward fields resolved as the kubelet does.
    func resolvedEnvironment(pod: PodManifest, uid: String, nodeName: String) -> [(key: String, value: String)] {
        let fields = [
            "spec.nodeName": nodeName, "metadata.name": pod.name, "metadata.namespace": pod.namespace,
            "metadata.uid": uid,
        ]
        return environment.map { pair in
            guard pair.value.hasPrefix(Self.fieldReference) else { return pair }
            return (pair.key, fields[String(pair.value.dropFirst(Self.fieldReference.count))] ?? "")
        }
    }

    /// Kubernetes' `$(VAR)` in command and args: the container's env var, `$$(` for a literal.
    static func expand(_ text: String, _ variables: [String: String]) -> String {
        var result = "", rest = Substring(text)
        while let start = rest.firstIndex(of: "$") {
            result += rest[..<start]
            let after = rest[rest.index(after: start)...]
            if after.hasPrefix("$(") {
                result += "$("
                rest = after.dropFirst(2)
            } else if after.hasPrefix("("), let close = after.firstIndex(of: ")"),
                let value = variables[String(after[after.index(after: after.startIndex)..<close])]
            {
                result += value
                rest = after[after.index(after: close)...]
            } else {
                result += "$"
                rest = after
            }
        }
        return result + rest
    }

    func config(
        pod: PodManifest, uid: String, nodeName: String, image imageReference: String, hostPaths: [String: String],
        ownership: [String: String],
        imageAnnotations: [String: String]
    ) -> ContainerConfig {
        let environment = resolvedEnvironment(pod: pod, uid: uid, nodeName: nodeName)
        let variables = Dictionary(environment.map { ($0.key, $0.value) }) { _, last in last }
        // A module fetched by URL is the only program its image holds, so `command` cannot
        // replace it as the entrypoint: its words go to the module ahead of `args`, as the design
        // notes' Pod sketch (`command: ["my-command"]` beside a module URL) asks.
        let (entrypoint, arguments) = moduleURL == nil ? (command, args) : ([], command + args)
        var config = ContainerConfig.make(
            name: name, image: imageReference, command: entrypoint.map { Self.expand($0, variables) },
            args: arguments.map { Self.expand($0, variables) },
            labels: pod.kubeletLabels(uid: uid).merging(["io.kubernetes.container.name": name]) { $1 }.merging(
                ownership
            ) { $1 })
        // The kubelet's log layout: <pod log dir>/<container>/<restart count>.log.
        config.logPath = "\(name)/0.log"
        config.envs = environment.map { pair in
            .with {
                $0.key = pair.key; $0.value = pair.value
            }
        }
        config.workingDir = workingDir
        config.annotations = annotations
        config.image.annotations = imageAnnotations
        config.mounts = volumeMounts.map { mount in
            .with {
                $0.containerPath = mount.mountPath
                $0.hostPath = hostPaths[mount.name] ?? ""
                $0.readonly = mount.readOnly
            }
        }
        config.linux = .with {
            $0.resources = linuxResources
            $0.securityContext = .with {
                if let runAsUser { $0.runAsUser = .with { $0.value = runAsUser } }
                if let runAsGroup { $0.runAsGroup = .with { $0.value = runAsGroup } }
                $0.readonlyRootfs = readOnlyRootFilesystem
                $0.namespaceOptions = .with {
                    $0.network = pod.hostNetwork ? .node : .pod
                    $0.pid = .container
                }
            }
        }
        return config
    }
}

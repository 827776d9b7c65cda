/// The part of a Kubernetes Pod (apiVersion v1, kind Pod) that a kubelet hands to CRI, as
/// `bench pod` runs it. Anything else in a manifest is refused by name (see ManifestNode).
public struct PodManifest: Sendable, Equatable {
    public enum RestartPolicy: String, Sendable { case always = "Always", onFailure = "OnFailure", never = "Never" }

    public var document: String
    public var name: String
    public var namespace = "default"
    public var labels: [String: String] = [:]
    public var annotations: [String: String] = [:]
    public var hostNetwork = false
    public var runtimeClassName: String?
    /// `spec.runtimeHandler`: the design notes' extension, a CRI handler named directly (not a
    /// Kubernetes field).
    public var runtimeHandler: String?
    public var restartPolicy = RestartPolicy.always
    public var terminationGracePeriodSeconds: Int64 = 30
    public var initContainers: [ContainerManifest] = []
    public var containers: [ContainerManifest] = []
    public var volumes: [VolumeManifest] = []

    public var qualifiedName: String { "\(namespace)/\(name)" }

    /// Pods that run to completion: the kubelet waits for their containers to exit.
    public var runsToCompletion: Bool { restartPolicy != .always }

    /// The name its ops are reported under: the workload's `app.kubernetes.io/name` or `app`
    /// label, else the pod's name. Twins on the OCI and the wasm side share the label, so their
    /// ops share names and `benchstat -col /kind` sets them side by side.
    public var benchmarkName: String { labels["app.kubernetes.io/name"] ?? labels["app"] ?? name }

    /// The containerd 1.6 wasm fork marks a wasm pod with the annotation `wasm-sandbox: 1`.
    public var asksForWasmSandbox: Bool { ["1", "true"].contains(annotations["wasm-sandbox"] ?? "") }
}

public struct ContainerManifest: Sendable, Equatable {
    public enum PullPolicy: String, Sendable { case always = "Always", ifNotPresent = "IfNotPresent", never = "Never" }

    public var name: String
    public var image: String
    public var pullPolicy: PullPolicy
    public var command: [String] = []
    public var args: [String] = []
    public var environment: [(key: String, value: String)] = []
    public var workingDir = ""
    public var memoryLimitBytes: Int64?
    public var cpuLimitMillis: Int64?
    public var cpuRequestMillis: Int64?
    public var runAsUser: Int64?
    public var runAsGroup: Int64?
    public var readOnlyRootFilesystem = false
    public var volumeMounts: [VolumeMount] = []
    /// Container annotations: not a Kubernetes field, but the wasm fork's form carries the wasm
    /// module's URL there (`wasm.module.url`), and CRI has a place for them.
    public var annotations: [String: String] = [:]

    public static func == (a: ContainerManifest, b: ContainerManifest) -> Bool {
        a.name == b.name && a.image == b.image && a.pullPolicy == b.pullPolicy && a.command == b.command
            && a.args == b.args
            && a.environment.map { "\($0.key)=\($0.value)" } == b.environment.map { "\($0.key)=\($0.value)" }
            && a.workingDir == b.workingDir && a.memoryLimitBytes == b.memoryLimitBytes
            && a.cpuLimitMillis == b.cpuLimitMillis
            && a.cpuRequestMillis == b.cpuRequestMillis && a.runAsUser == b.runAsUser && a.runAsGroup == b.runAsGroup
            && a.readOnlyRootFilesystem == b.readOnlyRootFilesystem && a.volumeMounts == b.volumeMounts
            && a.annotations == b.annotations
    }

    /// Downward API fields an env var may take (`valueFrom.fieldRef`), resolved when the pod runs.
    public static let downwardFields = ["spec.nodeName", "metadata.name", "metadata.namespace", "metadata.uid"]
    /// How an env value names a downward field until the pod runs (NUL: no YAML string has it).
    static let fieldReference = "\u{0}fieldRef:"

    /// The design notes' annotation naming a wasm module by URL instead of by image.
    public static let moduleURLAnnotation = "wasm.module.url"
    public var moduleURL: String? { annotations[Self.moduleURLAnnotation] }
}

public struct VolumeMount: Sendable, Equatable {
    public var name: String
    public var mountPath: String
    public var readOnly = false
}

public struct VolumeManifest: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        /// A host directory or file (types "", Directory, DirectoryOrCreate, File, FileOrCreate).
        case hostPath(path: String, type: String)
        /// A fresh empty directory for the pod's life, on the node's disk.
        case emptyDir
    }

    public var name: String
    public var source: Source
}

/// node.k8s.io/v1 RuntimeClass: maps a `runtimeClassName` to a CRI runtime handler.
public struct RuntimeClassManifest: Sendable, Equatable {
    public var name: String
    public var handler: String
}

/// A manifest file: its pods in order, and the runtime classes it defines.
public struct ManifestFile: Sendable, Equatable {
    public var pods: [PodManifest] = []
    public var runtimeClasses: [RuntimeClassManifest] = []

    public init() {}

    /// Pods are told apart by namespace and name, within a file and across the files of a run.
    public func checkNamesAreUnique() throws {
        let names = pods.map(\.qualifiedName)
        if let duplicate = names.first(where: { name in names.filter { $0 == name }.count > 1 }) {
            throw ManifestError("two Pods are named \(duplicate): give each its own metadata.name")
        }
    }
}

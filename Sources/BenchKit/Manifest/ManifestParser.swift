import Foundation
import Yams

/// Reads Kubernetes manifests (one or many YAML documents) into what `bench pod` runs: Pods
/// (apiVersion v1) and RuntimeClasses (node.k8s.io/v1). Other kinds, and fields of a Pod that
/// bench pod does not carry out, are errors naming the field and the document.
public enum ManifestParser {
    public static func load(path: String) throws -> ManifestFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ManifestError("manifest \(path) cannot be read: check the path")
        }
        do {
            return try parse(String(decoding: data, as: UTF8.self))
        } catch let error as ManifestError {
            throw ManifestError("\(path): \(error.description)")
        }
    }

    public static func parse(_ text: String) throws -> ManifestFile {
        let documents: [Any]
        do {
            documents = try Array(Yams.load_all(yaml: text))
        } catch {
            throw ManifestError("not valid YAML: \(error)")
        }
        var file = ManifestFile()
        for (index, document) in documents.enumerated() {
            if document is NSNull { continue }
            let plain = plainValue(document)
            let head = plain as? [String: Any] ?? [:]
            let kind = head["kind"] as? String ?? "?"
            let name = (head["metadata"] as? [String: Any])?["name"] as? String ?? "?"
            let node = ManifestNode(value: plain, document: "document \(index + 1) (\(kind) \(name))", path: "")
            switch (head["apiVersion"] as? String, kind) {
            case ("v1", "Pod"): file.pods.append(try pod(node))
            case ("apps/v1", "DaemonSet"): file.pods.append(try daemonSetPod(node))
            case ("node.k8s.io/v1", "RuntimeClass"): file.runtimeClasses.append(try runtimeClass(node))
            default:
                throw ManifestError(
                    "\(node.document): apiVersion \(head["apiVersion"] ?? "(none)") kind \(kind) is not supported: "
                        + "bench pod runs v1 Pods, the pod of an apps/v1 DaemonSet, and node.k8s.io/v1 RuntimeClasses"
                )
            }
        }
        guard !file.pods.isEmpty else {
            throw ManifestError(
                "no Pod in the manifest: bench pod needs at least one document with apiVersion v1, kind Pod")
        }
        try file.checkNamesAreUnique()
        return file
    }

    /// Yams' maps have AnyHashable keys; manifests only use string keys.
    static func plainValue(_ value: Any) -> Any {
        switch value {
        case let map as [AnyHashable: Any]:
            return Dictionary(map.map { ("\($0.key.base)", plainValue($0.value)) }, uniquingKeysWith: { $1 })
        case let list as [Any]: return list.map(plainValue)
        default: return value
        }
    }

    static func runtimeClass(_ node: ManifestNode) throws -> RuntimeClassManifest {
        try node.fields { fields in
            fields.accept("apiVersion", "kind")
            let name = try fields.required("metadata").fields { metadata in
                metadata.accept("labels", "annotations")
                return try metadata.required("name").requireString()
            }
            return RuntimeClassManifest(name: name, handler: try fields.required("handler").requireString())
        }
    }

    /// The one pod a DaemonSet runs on this node, as its controller would make it from the
    /// template: named after the DaemonSet with a random suffix, in the DaemonSet's namespace.
    static func daemonSetPod(_ node: ManifestNode) throws -> PodManifest {
        try node.fields { fields in
            fields.accept("apiVersion", "kind", "status")
            let (name, namespace) = try fields.required("metadata").fields { metadata in
                metadata.accept("labels", "annotations")
                return (
                    try KubernetesNames.subdomain(try metadata.required("name")),
                    try metadata.optional("namespace").map(KubernetesNames.label) ?? "default"
                )
            }
            return try fields.required("spec").fields { spec in
                // How the controller rolls pods out; one node runs the one pod.
                spec.accept("selector", "updateStrategy", "minReadySeconds", "revisionHistoryLimit")
                return try pod(
                    try spec.required("template"), name: "\(name)-\(randomSuffix(length: 5))", namespace: namespace)
            }
        }
    }

    static func pod(
        _ node: ManifestNode, name givenName: String? = nil, namespace givenNamespace: String? = nil
    ) throws -> PodManifest {
        try node.fields { fields in
            fields.accept("apiVersion", "kind")
            var pod = try fields.required("metadata").fields { metadata in
                let name = try givenName ?? KubernetesNames.subdomain(try metadata.required("name"))
                if givenName != nil { _ = metadata.optional("name") }
                var pod = PodManifest(document: node.document, name: name)
                if let givenNamespace { pod.namespace = givenNamespace }
                if let namespace = metadata.optional("namespace") {
                    pod.namespace = try KubernetesNames.label(namespace)
                }
                if let labels = metadata.optional("labels") { pod.labels = try KubernetesNames.labels(labels) }
                // Typed values are let through here only: the design notes' Pod sketch writes `wasm-sandbox: 1`.
                if let annotations = metadata.optional("annotations") {
                    pod.annotations = try annotations.stringMap(typedScalars: true)
                }
                return pod
            }
            _ = fields.optional("status")
            try fields.required("spec").fields { spec in
                // Scheduling fields choose a node; on one node they have nothing to do.
                spec.accept(
                    "nodeName", "nodeSelector", "tolerations", "affinity", "schedulerName", "priority",
                    "priorityClassName")
                if let host = spec.optional("hostNetwork") { pod.hostNetwork = try host.requireBool() }
                if let runtimeClass = spec.optional("runtimeClassName") {
                    pod.runtimeClassName = try runtimeClass.requireString()
                }
                if let handler = spec.optional("runtimeHandler") {
                    pod.runtimeHandler = try KubernetesNames.label(handler)
                }
                if let policy = spec.optional("restartPolicy") {
                    let text = try policy.requireString()
                    guard let value = PodManifest.RestartPolicy(rawValue: text) else {
                        throw policy.fail("must be Always, OnFailure or Never, not \(text)")
                    }
                    pod.restartPolicy = value
                }
                if let grace = spec.optional("terminationGracePeriodSeconds") {
                    let seconds = try grace.requireInt()
                    guard seconds >= 0 else { throw grace.fail("cannot be negative") }
                    pod.terminationGracePeriodSeconds = Int64(seconds)
                }
                if let volumes = spec.optional("volumes") { pod.volumes = try volumes.list().map(volume) }
                if let initContainers = spec.optional("initContainers") {
                    pod.initContainers = try initContainers.list().map(container)
                }
                pod.containers = try spec.required("containers").list().map(container)
            }
            guard !pod.containers.isEmpty else {
                throw node.child("spec", 0).child("containers", 0).fail("must hold at least one container")
            }
            let all = pod.initContainers + pod.containers
            if let duplicate = all.map(\.name).first(where: { name in all.filter { $0.name == name }.count > 1 }) {
                throw ManifestError("\(node.document): two containers are named \(duplicate)")
            }
            let volumeNames = Set(pod.volumes.map(\.name))
            if volumeNames.count < pod.volumes.count {
                throw ManifestError("\(node.document): two volumes share a name")
            }
            for container in all {
                for mount in container.volumeMounts where !volumeNames.contains(mount.name) {
                    throw ManifestError(
                        "\(node.document): container \(container.name) mounts volume \(mount.name), which "
                            + "spec.volumes does not define"
                    )
                }
            }
            return pod
        }
    }

    static func volume(_ node: ManifestNode) throws -> VolumeManifest {
        try node.fields { fields in
            let name = try KubernetesNames.label(try fields.required("name"))
            let hostPath = fields.optional("hostPath"), emptyDir = fields.optional("emptyDir")
            switch (hostPath, emptyDir) {
            case let (host?, nil):
                return try host.fields { host in
                    let path = try host.required("path").requireString()
                    let type = try host.optional("type")?.requireString() ?? ""
                    guard ["", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"].contains(type) else {
                        throw host.node.child("type", 0).fail(
                            "\(type) is not supported (use Directory, DirectoryOrCreate, File, FileOrCreate or Socket)")
                    }
                    guard path.hasPrefix("/") else {
                        throw host.node.child("path", 0).fail("must be an absolute path, not \(path)")
                    }
                    return VolumeManifest(name: name, source: .hostPath(path: path, type: type))
                }
            case let (nil, empty?):
                try empty.fields { empty in
                    if let medium = empty.optional("medium"), try medium.requireString() != "" {
                        throw medium.fail("is not supported: bench pod's emptyDir lives on the node's disk")
                    }
                    empty.accept("sizeLimit")
                }
                return VolumeManifest(name: name, source: .emptyDir)
            default:
                throw node.fail("must be a hostPath or an emptyDir volume (other kinds are not supported)")
            }
        }
    }

    static func container(_ node: ManifestNode) throws -> ContainerManifest {
        try node.fields { fields in
            let nameField = try fields.required("name")
            let name = try KubernetesNames.label(nameField)
            // Its ops are "stop-NAME" beside the sandbox's "stop-sandbox".
            guard name != "sandbox" else {
                throw nameField.fail("'sandbox' is reserved by bench pod for the pod's own ops: rename the container")
            }
            let image = try fields.required("image").requireString()
            var container = ContainerManifest(
                name: name, image: image, pullPolicy: try pullPolicy(&fields, image: image))
            // Informational in Kubernetes (a hostPort would be a port mapping, refused below).
            if let ports = fields.optional("ports") { try checkPorts(ports) }
            fields.accept("terminationMessagePath", "terminationMessagePolicy")
            if let command = fields.optional("command") { container.command = try command.stringList() }
            if let args = fields.optional("args") { container.args = try args.stringList() }
            if let env = fields.optional("env") { container.environment = try env.list().map(environmentVariable) }
            if let dir = fields.optional("workingDir") { container.workingDir = try dir.requireString() }
            if let resources = fields.optional("resources") { try readResources(resources, into: &container) }
            if container.cpuRequestMillis == nil { container.cpuRequestMillis = container.cpuLimitMillis }
            if let security = fields.optional("securityContext") { try readSecurityContext(security, into: &container) }
            if let mounts = fields.optional("volumeMounts") {
                container.volumeMounts = try mounts.list().map(volumeMount)
            }
            if let annotations = fields.optional("annotations") { container.annotations = try annotations.stringMap() }
            return container
        }
    }

    /// `imagePullPolicy`, else Kubernetes' default: Always for `:latest` or no tag.
    static func pullPolicy(_ fields: inout FieldReader, image: String) throws -> ContainerManifest.PullPolicy {
        guard let field = fields.optional("imagePullPolicy") else {
            return ImageReference.hasLatestTag(image) ? .always : .ifNotPresent
        }
        let text = try field.requireString()
        guard let value = ContainerManifest.PullPolicy(rawValue: text) else {
            throw field.fail("must be Always, IfNotPresent or Never, not \(text)")
        }
        return value
    }

    static func checkPorts(_ ports: ManifestNode) throws {
        for port in try ports.list() {
            try port.fields { port in
                _ = try port.required("containerPort").requireInt()
                port.accept("name", "protocol")
            }
        }
    }

    /// A name/value pair, or a value from the downward API fields a pod knows before it starts.
    static func environmentVariable(_ item: ManifestNode) throws -> (String, String) {
        try item.fields { variable in
            let name = try variable.required("name").requireString()
            guard let from = variable.optional("valueFrom") else {
                return (name, try variable.optional("value")?.requireString() ?? "")
            }
            let found = try from.fields { from in
                try from.optional("fieldRef")?.fields { ref in
                    ref.accept("apiVersion")
                    return try ref.required("fieldPath").requireString()
                }
            }
            guard let path = found else { throw from.fail("needs a fieldRef (the only kind bench pod resolves)") }
            guard ContainerManifest.downwardFields.contains(path) else {
                throw from.fail(
                    "fieldRef \(path) is not supported (use "
                        + "\(ContainerManifest.downwardFields.joined(separator: ", ")))"
                )
            }
            return (name, ContainerManifest.fieldReference + path)
        }
    }

    static func readResources(_ resources: ManifestNode, into container: inout ContainerManifest) throws {
        try resources.fields { resources in
            if let limits = resources.optional("limits") {
                try limits.fields { limits in
                    if let memory = limits.optional("memory") {
                        container.memoryLimitBytes = try Quantity.bytes(memory)
                    }
                    if let cpu = limits.optional("cpu") { container.cpuLimitMillis = try Quantity.millicores(cpu) }
                }
            }
            if let requests = resources.optional("requests") {
                try requests.fields { requests in
                    if let cpu = requests.optional("cpu") { container.cpuRequestMillis = try Quantity.millicores(cpu) }
                    // A memory request only steers scheduling and eviction: no CRI field.
                    if let memory = requests.optional("memory") { _ = try Quantity.bytes(memory) }
                }
            }
        }
    }

    static func readSecurityContext(_ security: ManifestNode, into container: inout ContainerManifest) throws {
        try security.fields { security in
            if let user = security.optional("runAsUser") { container.runAsUser = try Self.id(user) }
            if let group = security.optional("runAsGroup") { container.runAsGroup = try Self.id(group) }
            if let readOnly = security.optional("readOnlyRootFilesystem") {
                container.readOnlyRootFilesystem = try readOnly.requireBool()
            }
        }
    }

    static func volumeMount(_ item: ManifestNode) throws -> VolumeMount {
        try item.fields { mount in
            let path = try mount.required("mountPath").requireString()
            guard path.hasPrefix("/") else {
                throw mount.node.child("mountPath", 0).fail("must be an absolute path, not \(path)")
            }
            return VolumeMount(
                name: try KubernetesNames.label(try mount.required("name")), mountPath: path,
                readOnly: try mount.optional("readOnly")?.requireBool() ?? false)
        }
    }
}

extension ManifestParser {
    static func id(_ node: ManifestNode) throws -> Int64 {
        let id = try node.requireInt()
        guard id >= 0 && id <= Int(UInt32.max - 1) else {
            throw node.fail("must be a user or group id from 0 to 4294967294")
        }
        return Int64(id)
    }
}

/// Image references as the kubelet reads them for the default pull policy.
enum ImageReference {
    /// No tag, or the tag `latest`: Kubernetes pulls such images Always by default.
    static func hasLatestTag(_ image: String) -> Bool {
        if image.contains("@") { return false }
        let lastComponent = image.split(separator: "/").last.map(String.init) ?? image
        guard let colon = lastComponent.lastIndex(of: ":") else { return true }
        return lastComponent[lastComponent.index(after: colon)...] == "latest"
    }
}

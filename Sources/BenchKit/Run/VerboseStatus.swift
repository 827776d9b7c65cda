import Foundation

/// What containerd puts in a verbose ContainerStatus or PodSandboxStatus: a JSON object under
/// the `info` key, decoded once.
public struct VerboseStatus {
    let object: [String: Any]

    /// nil when `info` holds no JSON object under `info`.
    public init?(_ info: [String: String]) {
        guard let text = info["info"], let data = text.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        self.object = object
    }

    /// The process id containerd names, when it names one in range.
    public var pid: Int32? { (object["pid"] as? Int).flatMap { $0 > 0 ? Int32(exactly: $0) : nil } }

    /// The `linux` section of the runtime spec containerd keeps (under `runtimeSpec`).
    public var specLinux: [String: Any]? {
        (object["runtimeSpec"] as? [String: Any])?["linux"] as? [String: Any]
    }

    /// The spec's cgroupsPath, when it is set.
    public var cgroupsPath: String? { (specLinux?["cgroupsPath"] as? String).flatMap { $0.isEmpty ? nil : $0 } }
}

import Foundation

/// What containerd puts in a verbose ContainerStatus or PodSandboxStatus: a JSON object under
/// the `info` key.
public enum VerboseStatus {
    /// The process id containerd names, when it names one.
    public static func pid(_ info: [String: String]) -> Int32? {
        guard let text = info["info"], let data = text.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let pid = object["pid"] as? Int, pid > 0
        else { return nil }
        return Int32(exactly: pid)
    }

    /// The cgroupsPath of the runtime spec containerd keeps for a container.
    public static func cgroupsPath(_ info: [String: String]) -> String? {
        guard let text = info["info"], let data = text.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let spec = object["runtimeSpec"] as? [String: Any], let linux = spec["linux"] as? [String: Any],
            let path = linux["cgroupsPath"] as? String, !path.isEmpty
        else { return nil }
        return path
    }
}

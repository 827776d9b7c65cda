import BenchKit
import Foundation

/// The pid containerd names in a verbose ContainerStatus or PodSandboxStatus info.
func verbosePID(_ info: [String: String]) -> Int? { VerboseStatus(info)?.pid.map(Int.init) }

/// The path of a namespace in the runtime spec that verbose status info carries (containerd
/// puts the spec under `runtimeSpec`).
func specNamespacePath(_ info: [String: String], _ type: String) -> String? {
    guard let namespaces = VerboseStatus(info)?.specLinux?["namespaces"] as? [[String: Any]] else { return nil }
    return namespaces.first { $0["type"] as? String == type }?["path"] as? String
}

/// The inode a path leads to (for a namespace file, /proc/PID/ns/KIND or a pinned bind mount
/// of one: the namespace's own).
func inode(_ path: String) -> UInt64? {
    var info = stat()
    return stat(path, &info) == 0 ? UInt64(info.st_ino) : nil
}

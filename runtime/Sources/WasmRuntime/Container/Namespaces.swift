#if canImport(Glibc)
import Glibc
#endif
import CSystemCalls

/// The instance's namespaces, as the spec lists them: joined by path (the pod's network, IPC,
/// UTS and usually PID namespaces) or new. The PID namespace is entered by the process that
/// spawns the instance, since only children of a setns/unshare land in it.
public enum Namespaces {
    static let flags: [String: Int32] = [
        "pid": WR_CLONE_NEWPID, "network": WR_CLONE_NEWNET, "ipc": WR_CLONE_NEWIPC, "uts": WR_CLONE_NEWUTS,
        "mount": WR_CLONE_NEWNS, "cgroup": WR_CLONE_NEWCGROUP,
    ]

    /// In the spawning process: the next child goes into the spec's PID namespace.
    public static func preparePIDNamespace(_ spec: LinuxSpec) throws {
        guard let pid = spec.namespaces.first(where: { $0.type == "pid" }) else { return }
        try enter(pid)
    }

    /// In the instance process: joins or creates every namespace but PID, mount last (it is
    /// new, and the paths of the others are host paths).
    public static func enterAll(_ spec: LinuxSpec) throws {
        for namespace in spec.namespaces where namespace.type != "pid" && namespace.type != "mount" {
            try enter(namespace)
        }
        guard spec.namespaces.contains(where: { $0.type == "mount" && $0.path == nil }) else {
            throw RuntimeError(
                "linux.namespaces: a wasm instance needs a new mount namespace (type mount, no path) to get its own "
                    + "root"
            )
        }
        guard wr_unshare(WR_CLONE_NEWNS) == 0 else { throw RuntimeError.errno("unshare the mount namespace") }
    }

    static func enter(_ namespace: LinuxSpec.Namespace) throws {
        guard let flag = flags[namespace.type] else {
            throw RuntimeError("linux.namespaces: type \(namespace.type) is not supported")
        }
        if let path = namespace.path {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                throw RuntimeError.errno("linux.namespaces: open \(namespace.type) namespace \(path)")
            }
            defer { close(fd) }
            guard wr_setns(fd, flag) == 0 else {
                throw RuntimeError.errno("linux.namespaces: join \(namespace.type) namespace \(path)")
            }
        } else {
            guard wr_unshare(flag) == 0 else {
                throw RuntimeError.errno("linux.namespaces: new \(namespace.type) namespace")
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
import CSystemCalls

/// Takes procfs, sysfs and the other kernel-interface filesystems out of the instance's view
/// before the module is instantiated. WASI's path_open treats /proc/self/mem or
/// /proc/self/environ as ordinary files (no magic link is followed on the way), so a module
/// that can name them can overwrite the interpreter or read the runtime's secrets. Checking
/// each path the module opens would need a hook inside WasmKit's WASI layer; detaching the
/// mounts gives the module a view without them whatever the spec mounts (its /proc, a
/// hostPath of /sys, a proc submount of a volume), and the check afterwards fails closed.
/// The host still sees the instance in its own /proc.
public enum KernelFilesystemFence {
    /// Filesystems that are the kernel's interface rather than files.
    public static let hiddenTypes: Set<String> = [
        "proc", "sysfs", "securityfs", "debugfs", "tracefs", "bpf", "configfs", "efivarfs", "pstore", "fusectl",
        "cgroup", "cgroup2", "binfmt_misc",
    ]

    /// Detaches every mount of a hidden type, shallowest first (a detached mount takes its
    /// submounts along). `procSelf` is a descriptor of /proc/self taken before, through which
    /// the mount table is read while /proc itself is gone.
    public static func detachAll(procSelf: Int32) throws {
        for _ in 0..<8 {
            let hidden = try mounts(procSelf: procSelf).filter { hiddenTypes.contains($0.type) }
            if hidden.isEmpty { return }
            for mount in hidden.sorted(by: { $0.point.count < $1.point.count }) {
                // UMOUNT_NOFOLLOW (8): the point is the kernel's own path, never a symlink to follow.
                if umount2(mount.point, Int32(MNT_DETACH) | 8) != 0 && errno != EINVAL && errno != ENOENT {
                    throw RuntimeError.errno("hide \(mount.type) at \(mount.point) from the module")
                }
            }
        }
        let left = try mounts(procSelf: procSelf).filter { hiddenTypes.contains($0.type) }.map(\.point)
        if !left.isEmpty {
            throw RuntimeError("could not hide \(left.joined(separator: ", ")) from the module; refusing to run it")
        }
    }

    public struct MountEntry: Equatable {
        public let point: String
        public let type: String
    }

    static func mounts(procSelf: Int32) throws -> [MountEntry] {
        let fd = openat(procSelf, "mountinfo", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw RuntimeError.errno("read /proc/self/mountinfo") }
        defer { close(fd) }
        let text = String(decoding: try Posix.readAll(fd, limit: 16 << 20, what: "/proc/self/mountinfo"), as: UTF8.self)
        return parse(mountinfo: text)
    }

    /// mountinfo lines: "ID PARENT MAJ:MIN ROOT POINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPER".
    public static func parse(mountinfo: String) -> [MountEntry] {
        mountinfo.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count > 6, let separator = fields.firstIndex(of: "-"), separator + 1 < fields.count else {
                return nil
            }
            return MountEntry(point: unescape(fields[4]), type: String(fields[separator + 1]))
        }
    }

    /// The kernel writes space, tab, newline and backslash in paths as \ooo.
    static func unescape(_ field: Substring) -> String {
        var bytes: [UInt8] = []
        let raw = Array(field.utf8)
        var index = 0
        while index < raw.count {
            if raw[index] == UInt8(ascii: "\\"), index + 3 < raw.count,
                let value = UInt8(String(decoding: raw[(index + 1)...(index + 3)], as: UTF8.self), radix: 8)
            {
                bytes.append(value)
                index += 4
            } else {
                bytes.append(raw[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

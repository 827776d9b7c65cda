#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The runtime's processes as this machine sees them: the daemon serving the CRI socket (found
/// through the socket's inode, never by name), the processes in a container's cgroup, their
/// parents (the shims, which reap them), and what each costs in memory and CPU.
public struct NodeProcesses: Sendable {
    /// The cgroup hierarchy whose `PARENT/ID/cgroup.procs` lists a container's processes.
    public let cgroupRoot: String

    public init?() {
        let candidates = ["/sys/fs/cgroup/pids", "/sys/fs/cgroup/memory", "/sys/fs/cgroup/unified", "/sys/fs/cgroup"]
        guard let root = candidates.first(where: { FileManager.default.fileExists(atPath: $0 + "/cgroup.procs") })
        else { return nil }
        cgroupRoot = root
    }

    /// The pid of the process listening on the unix socket `path`, when this PID namespace
    /// shows it (a forwarded socket or another PID namespace does not).
    public static func server(ofSocket path: String) -> Int32? {
        guard let table = try? String(contentsOfFile: "/proc/net/unix", encoding: .utf8) else { return nil }
        let inodes = Set(
            table.split(separator: "\n").dropFirst().compactMap { line -> String? in
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                // Num RefCount Protocol Flags Type St Inode Path; St 01 is a listening socket.
                guard fields.count >= 8, String(fields[7]) == path, fields[5] == "01" else { return nil }
                return "socket:[\(fields[6])]"
            })
        guard !inodes.isEmpty else { return nil }
        for pid in allPids() {
            let fdDirectory = "/proc/\(pid)/fd"
            guard let fds = try? FileManager.default.contentsOfDirectory(atPath: fdDirectory) else { continue }
            for fd in fds {
                if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(fdDirectory)/\(fd)"),
                    inodes.contains(target)
                {
                    return pid
                }
            }
        }
        return nil
    }

    /// Every process's command line, arguments joined by spaces.
    public static func allCommandLines() -> [String] {
        allPids().compactMap { pid in
            (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))).map { data in
                String(decoding: data.map { $0 == 0 ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
            }
        }
    }

    static func allPids() -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap(Int32.init)
    }

    /// The processes of the container `id` placed under `cgroupParent` (cgroupfs layout).
    public func processes(cgroupParent: String, id: String) -> [Int32] {
        let path = "\(cgroupRoot)\(cgroupParent)/\(id)/cgroup.procs"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { Int32($0) }
    }

    /// The parent of `pid`.
    public static func parent(of pid: Int32) -> Int32? {
        statFields(of: pid).flatMap { $0.count > 1 ? Int32($0[1]) : nil }
    }

    /// The fraction of `parent`'s children that are in `set` (1 when it has none).
    public static func share(of parent: Int32, in set: Set<Int32>) -> Double {
        let children = allPids().filter { Self.parent(of: $0) == parent }
        guard !children.isEmpty else { return 1 }
        return Double(children.filter(set.contains).count) / Double(children.count)
    }

    /// The fields of /proc/PID/stat after the command name (which may hold blanks):
    /// state(0) ppid(1) … utime(11) stime(12).
    static func statFields(of pid: Int32) -> [Substring]? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        return stat[stat.index(after: close)...].split(separator: " ")
    }

    /// Proportional set size in bytes (/proc/PID/smaps_rollup): shared pages divided among
    /// their users, so sums over processes do not count a library twice.
    public static func pssBytes(of pid: Int32) -> Int64? {
        field("/proc/\(pid)/smaps_rollup", "Pss:").map { $0 * 1024 }
    }

    public static func rssBytes(of pid: Int32) -> Int64? {
        field("/proc/\(pid)/status", "VmRSS:").map { $0 * 1024 }
    }

    /// User plus system CPU time of `pid` (all its threads), in nanoseconds.
    public static func cpuNanoseconds(of pid: Int32) -> Int64? {
        guard let fields = statFields(of: pid), fields.count > 12, let user = Int64(fields[11]),
            let system = Int64(fields[12])
        else { return nil }
        let ticks = Int64(sysconf(Int32(_SC_CLK_TCK)))
        return (user + system) * 1_000_000_000 / max(ticks, 1)
    }

    /// CPU time of the daemon's whole cgroup (cpuacct.usage, in ns): the daemon with the shims
    /// and runtime binaries it starts, when it has a cgroup of its own (scripts/start-containerd.sh
    /// gives it one); nil when it shares the root cgroup, whose figure is the whole machine's.
    public static func cgroupCPUNanoseconds(of pid: Int32) -> Int64? {
        guard let membership = try? String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8),
            let mounts = try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8)
        else { return nil }
        guard let cgroup = CgroupLimits.cgroupPaths(membership)["cpuacct"]?.path, cgroup != "/" else { return nil }
        for mount in mounts.split(separator: "\n") {
            let parts = mount.split(separator: " ")
            guard parts.count > 3, parts[2] == "cgroup", parts[3].split(separator: ",").contains("cpuacct") else {
                continue
            }
            if let text = try? String(contentsOfFile: "\(parts[1])\(cgroup)/cpuacct.usage", encoding: .utf8) {
                return Int64(text.trimmingCharacters(in: .whitespacesAndNewlines))
            }
        }
        return nil
    }

    static func field(_ path: String, _ name: String) -> Int64? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(name) {
            return line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Int64($0) }
        }
        return nil
    }
}

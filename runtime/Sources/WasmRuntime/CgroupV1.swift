#if canImport(Glibc)
import Glibc
#endif

/// Places an instance in its cgroup on a cgroup v1 host (cgroupfs driver), the way runc does:
/// the same relative path under every mounted hierarchy, so that containerd's shim finds it
/// through /proc/PID/cgroup for ContainerStats and OOM events.
public enum CgroupV1 {
    static let mountRoot = "/sys/fs/cgroup"

    /// Every v1 hierarchy mounted under /sys/fs/cgroup (a co-mounted one such as cpu,cpuacct once).
    public static func hierarchies() -> [String] {
        guard let directory = opendir(mountRoot) else { return [] }
        defer { closedir(directory) }
        var result: [String] = []
        var seen = Set<String>()
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name.hasPrefix(".") || name == "unified" { continue }
            let path = mountRoot + "/" + name
            var info = stat()
            // A symlink (cpu -> cpu,cpuacct) names a hierarchy already listed.
            guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR, Posix.exists(path + "/cgroup.procs") else { continue }
            let key = "\(info.st_dev):\(info.st_ino)"
            if seen.insert(key).inserted { result.append(path) }
        }
        return result
    }

    /// Creates the cgroup, applies the memory limit, and moves `pid` into it.
    public static func enter(pid: Int32, path: String, memoryLimitBytes: Int64?) throws {
        let relative = path.hasPrefix("/") ? path : "/" + path
        for hierarchy in hierarchies() {
            let target = hierarchy + relative
            try makeCgroup(hierarchy: hierarchy, relative: relative)
            if let memoryLimitBytes, Posix.exists(target + "/memory.limit_in_bytes") {
                try Posix.writeFile(target + "/memory.limit_in_bytes", String(memoryLimitBytes))
            }
            try Posix.writeFile(target + "/cgroup.procs", String(pid))
        }
    }

    /// Removes the instance's cgroup (not its parents, which belong to the pod).
    public static func remove(path: String) {
        let relative = path.hasPrefix("/") ? path : "/" + path
        for hierarchy in hierarchies() { rmdir(hierarchy + relative) }
    }

    private static func makeCgroup(hierarchy: String, relative: String) throws {
        var current = hierarchy
        for component in relative.split(separator: "/") {
            let parent = current
            current += "/" + component
            if mkdir(current, 0o755) != 0 {
                guard errno == EEXIST else { throw RuntimeError.errno("mkdir cgroup \(current)") }
                continue
            }
            // A new cpuset starts with no cpus and mems, and no process may join it then.
            for file in ["cpuset.cpus", "cpuset.mems"] where Posix.exists(current + "/" + file) {
                let own = (try? Posix.readText(current + "/" + file))?.trimmingNewlines ?? ""
                if own.isEmpty, let inherited = try? Posix.readText(parent + "/" + file) {
                    try Posix.writeFile(current + "/" + file, inherited.trimmingNewlines)
                }
            }
        }
    }
}

extension String {
    var trimmingNewlines: String {
        var text = Substring(self)
        while let last = text.last, last == "\n" || last == " " { text.removeLast() }
        return String(text)
    }
}

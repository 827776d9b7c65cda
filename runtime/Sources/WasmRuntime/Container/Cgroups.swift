#if canImport(Glibc)
import Glibc
#endif
import CSystemCalls

/// Places an instance in its cgroup and applies the spec's limits, the way runc does with the
/// cgroupfs driver, on cgroup v1 (the same relative path under every hierarchy, so that the
/// shim finds it through /proc/PID/cgroup for stats and OOM events) or v2 (one unified tree).
/// `mountRoot` is /sys/fs/cgroup on a host; tests give a directory of their own.
public struct Cgroups {
    public enum Version: Equatable { case v1, v2 }

    public let mountRoot: String
    public let version: Version

    public init(mountRoot: String = "/sys/fs/cgroup", version: Version? = nil) {
        self.mountRoot = mountRoot
        self.version = version ?? Self.detectVersion(mountRoot)
    }

    /// v2 when the mount root is itself a cgroup2 filesystem (it has cgroup.controllers).
    static func detectVersion(_ mountRoot: String) -> Version {
        if wr_is_cgroup2(mountRoot) == 1 { return .v2 }
        return Posix.exists(mountRoot + "/cgroup.controllers") ? .v2 : .v1
    }

    /// Every v1 hierarchy mounted under the root (a co-mounted one such as cpu,cpuacct once).
    func hierarchies() -> [String] {
        guard let directory = opendir(mountRoot) else { return [] }
        defer { closedir(directory) }
        var result: [String] = []
        var seen = Set<String>()
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasPrefix(".") || name == "unified" { continue }
            let path = mountRoot + "/" + name
            var info = stat()
            // A symlink (cpu -> cpu,cpuacct) names a hierarchy already listed.
            guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR, Posix.exists(path + "/cgroup.procs")
            else { continue }
            let key = "\(info.st_dev):\(info.st_ino)"
            if seen.insert(key).inserted { result.append(path) }
        }
        return result.sorted()
    }

    /// Creates the cgroup, applies the limits, and moves `pid` into it, before the instance
    /// does anything (it waits for the go-ahead).
    public func enter(pid: Int32, path: String, resources: LinuxSpec.Resources) throws {
        let relative = path.hasPrefix("/") ? path : "/" + path
        switch version {
        case .v1:
            for hierarchy in hierarchies() {
                let target = hierarchy + relative
                try makeCgroup(base: hierarchy, relative: relative)
                try applyV1(resources, to: target)
                try Posix.writeFile(target + "/cgroup.procs", String(pid))
            }
        case .v2:
            throw v2Refusal
        }
    }

    /// runc enforces linux.resources.devices on v2 with an eBPF program attached to the cgroup.
    /// DeviceFilterProgram generates it, but loading and attaching it is not wired yet (it could
    /// not be verified on the v1 nodes this runs on), and an instance is never run without a
    /// device policy.
    var v2Refusal: RuntimeError {
        RuntimeError(
            "this node uses cgroup v2 (\(mountRoot) is unified), where wasm-runc does not yet attach its eBPF "
                + "device program to enforce linux.resources.devices; run wasm pods on a cgroup v1 node or under the "
                + "runc handler"
        )
    }

    /// Creates the cgroup and applies the limits with no process in it: a pod sandbox that is
    /// not a process still has the cgroup its containers' stats and limits are read under.
    public func prepare(path: String, resources: LinuxSpec.Resources) throws {
        let relative = path.hasPrefix("/") ? path : "/" + path
        guard version == .v1 else { throw v2Refusal }
        for hierarchy in hierarchies() {
            try makeCgroup(base: hierarchy, relative: relative)
            try applyV1(resources, to: hierarchy + relative)
        }
    }

    /// New limits for a running instance (CRI's UpdateContainerResources); its device rules
    /// stay as they were.
    public func update(path: String, resources: LinuxSpec.Resources) throws {
        let relative = path.hasPrefix("/") ? path : "/" + path
        guard version == .v1 else { throw v2Refusal }
        for hierarchy in hierarchies() where Posix.exists(hierarchy + relative) {
            try applyV1(resources, to: hierarchy + relative, devices: false)
        }
    }

    /// The file `name` of the cgroup under the first v1 hierarchy that has it.
    public func file(_ name: String, path: String) -> String? {
        let relative = path.hasPrefix("/") ? path : "/" + path
        return hierarchies().map { $0 + relative + "/" + name }.first(where: Posix.exists)
    }

    /// Removes the instance's cgroup after killing what is still in it, waiting up to a second
    /// for the processes to leave (an instance whose shim just died is still exiting).
    public func removeKilling(path: String) {
        let relative = path.hasPrefix("/") ? path : "/" + path
        let directories = version == .v1 ? hierarchies().map { $0 + relative } : [mountRoot + relative]
        for _ in 0..<100 {
            var left = false
            for directory in directories where Posix.exists(directory) {
                let procs = (try? Posix.readText(directory + "/cgroup.procs")) ?? ""
                for pid in procs.split(separator: "\n").compactMap({ Int32($0) }) { kill(pid, SIGKILL) }
                if rmdir(directory) != 0 && errno != ENOENT { left = true }
            }
            if !left { return }
            usleep(10_000)
        }
    }

    /// Removes the instance's cgroup (not its parents, which belong to the pod).
    public func remove(path: String) {
        let relative = path.hasPrefix("/") ? path : "/" + path
        switch version {
        case .v1: for hierarchy in hierarchies() { rmdir(hierarchy + relative) }
        case .v2: rmdir(mountRoot + relative)
        }
    }

    func applyV1(_ resources: LinuxSpec.Resources, to target: String, devices: Bool = true) throws {
        func write(_ file: String, _ value: String, field: String) throws {
            guard Posix.exists(target + "/" + file) else { return }
            do { try Posix.writeFile(target + "/" + file, value) } catch { throw RuntimeError("\(field): \(error)") }
        }
        if let limit = resources.memoryLimit {
            try write("memory.limit_in_bytes", String(limit), field: "linux.resources.memory.limit")
        }
        if let swap = resources.memorySwap {
            try write("memory.memsw.limit_in_bytes", String(swap), field: "linux.resources.memory.swap")
        }
        if let shares = resources.cpuShares {
            try write("cpu.shares", String(shares), field: "linux.resources.cpu.shares")
        }
        if let period = resources.cpuPeriod {
            try write("cpu.cfs_period_us", String(period), field: "linux.resources.cpu.period")
        }
        if let quota = resources.cpuQuota {
            try write("cpu.cfs_quota_us", String(quota), field: "linux.resources.cpu.quota")
        }
        if let cpus = resources.cpusetCpus { try write("cpuset.cpus", cpus, field: "linux.resources.cpu.cpus") }
        if let mems = resources.cpusetMems { try write("cpuset.mems", mems, field: "linux.resources.cpu.mems") }
        if let pids = resources.pidsLimit {
            try write("pids.max", pids < 0 ? "max" : String(pids), field: "linux.resources.pids.limit")
        }
        if devices, Posix.exists(target + "/devices.deny") {
            for rule in DeviceRules.v1Rules(resources.devices) {
                try write(rule.allow ? "devices.allow" : "devices.deny", rule.line, field: "linux.resources.devices")
            }
        }
    }

    private func makeCgroup(base: String, relative: String) throws {
        var current = base
        for component in relative.split(separator: "/") {
            let parent = current
            current += "/" + component
            if mkdir(current, 0o755) != 0 {
                guard errno == EEXIST else { throw RuntimeError.errno("linux.cgroupsPath: mkdir \(current)") }
                continue
            }
            // A new v1 cpuset starts with no cpus and mems, and no process may join it then.
            for file in ["cpuset.cpus", "cpuset.mems"] where version == .v1 && Posix.exists(current + "/" + file) {
                let own = (try? Posix.readText(current + "/" + file))?.trimmingNewlines ?? ""
                if own.isEmpty, let inherited = try? Posix.readText(parent + "/" + file) {
                    try Posix.writeFile(current + "/" + file, inherited.trimmingNewlines)
                }
            }
        }
    }
}

/// The device rules an instance gets, in order, the last match winning: every device denied,
/// then the spec's rules, then runc's default allowances (null, zero, full, random, urandom,
/// tty, ptmx and ptys). The devices cgroup (v1) takes them as lines; cgroup v2 needs them as an
/// eBPF program (``DeviceFilterProgram``).
public enum DeviceRules {
    public struct Line: Equatable {
        public let allow: Bool
        public let line: String
    }

    public static let defaultAllowed: [LinuxSpec.DeviceRule] =
        [(1, 3), (1, 5), (1, 7), (1, 8), (1, 9), (5, 0), (5, 2)].map {
            LinuxSpec.DeviceRule(allow: true, type: "c", major: $0.0, minor: $0.1, access: "rwm")
        } + [LinuxSpec.DeviceRule(allow: true, type: "c", major: 136, minor: nil, access: "rwm")]

    public static func effective(_ rules: [LinuxSpec.DeviceRule]) -> [LinuxSpec.DeviceRule] {
        [LinuxSpec.DeviceRule(allow: false, type: "a", major: nil, minor: nil, access: "rwm")] + rules + defaultAllowed
    }

    public static func v1Rules(_ rules: [LinuxSpec.DeviceRule]) -> [Line] {
        effective(rules).map { rule in
            let major = rule.major.map(String.init) ?? "*", minor = rule.minor.map(String.init) ?? "*"
            let type = rule.type.isEmpty ? "a" : rule.type
            return Line(allow: rule.allow, line: type == "a" ? "a" : "\(type) \(major):\(minor) \(rule.access)")
        }
    }
}

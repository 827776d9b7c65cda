import Foundation

/// The memory and CPU limits a running process's cgroup holds, read from the host: what the
/// runtime enforces, as opposed to what the manifest asked for. cgroup v1 (memory and cpu
/// controllers) and v2 (memory.max, cpu.max) alike; a nil limit means "no limit", and a field
/// whose file could not be read is listed in `unread` instead.
public struct CgroupLimits: Equatable, Sendable {
    public var memoryBytes: Int64?
    public var cpuQuotaMicros: Int64?
    public var cpuPeriodMicros: Int64?
    public enum Field: String, Sendable { case memory, cpu = "CPU" }
    /// Each field whose file could not be read, with that file.
    public var unread: [Field: String] = [:]

    public init(
        memoryBytes: Int64? = nil, cpuQuotaMicros: Int64? = nil, cpuPeriodMicros: Int64? = nil,
        unread: [Field: String] = [:]
    ) {
        self.memoryBytes = memoryBytes
        self.cpuQuotaMicros = cpuQuotaMicros
        self.cpuPeriodMicros = cpuPeriodMicros
        self.unread = unread
    }

    /// Why a process's limits were not read at all.
    public struct NotReadable: Error, Equatable {
        public let reason: String

        public init(reason: String) { self.reason = reason }
    }

    /// v1 writes "no limit" as a huge page-aligned number; anything this large is none.
    static let unlimitedFloor: Int64 = 1 << 62

    /// The cgroup of `pid` for each controller, from /proc/PID/cgroup ("" for v2's unified line),
    /// and the hierarchy each controller is mounted as (v1 may join them: "cpu,cpuacct").
    public static func cgroupPaths(_ procCgroup: String) -> [String: (path: String, hierarchy: String)] {
        var paths: [String: (path: String, hierarchy: String)] = [:]
        for line in procCgroup.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            for controller in fields[1].split(separator: ",", omittingEmptySubsequences: false) {
                paths[String(controller)] = (String(fields[2]), String(fields[1]))
            }
        }
        return paths
    }

    /// Reads the limits of `pid`'s cgroups under `root`. The process must be in `expectedPath`
    /// (the container's cgroupsPath, as its runtime spec says): a pid reused since, or one of
    /// another PID namespace or of a VM-based runtime, is in some other cgroup and not read.
    public static func read(
        pid: Int32, expectedPath: String, procRoot: String = "/proc", root: String = "/sys/fs/cgroup"
    ) -> Result<CgroupLimits, NotReadable> {
        guard let text = try? String(contentsOfFile: "\(procRoot)/\(pid)/cgroup", encoding: .utf8) else {
            return .failure(NotReadable(reason: "process \(pid) is not visible from this host"))
        }
        let paths = cgroupPaths(text)
        let expected = expectedPath.hasPrefix("/") ? expectedPath : "/" + expectedPath
        func value(_ path: String) -> String? {
            (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if let memory = paths["memory"] ?? paths["cpu"] {
            guard memory.path == expected else {
                return .failure(
                    NotReadable(reason: "process \(pid) is in cgroup \(memory.path), not the container's \(expected)"))
            }
            return .success(readV1(paths, root: root, value: value))
        }
        guard let unified = paths[""] else {
            return .failure(NotReadable(reason: "process \(pid) names no memory, cpu or unified cgroup"))
        }
        guard unified.path == expected else {
            return .failure(
                NotReadable(reason: "process \(pid) is in cgroup \(unified.path), not the container's \(expected)"))
        }
        var limits = CgroupLimits()
        let directory = "\(root)\(unified.path)"
        if let memory = value("\(directory)/memory.max") {
            limits.memoryBytes = Int64(memory)
        } else {
            limits.unread[.memory] = "\(directory)/memory.max"
        }
        if let cpu = value("\(directory)/cpu.max") {
            let fields = cpu.split(separator: " ")
            limits.cpuQuotaMicros = fields.first.flatMap { Int64($0) }
            limits.cpuPeriodMicros = fields.dropFirst().first.flatMap { Int64($0) }
        } else {
            limits.unread[.cpu] = "\(directory)/cpu.max"
        }
        return .success(limits)
    }

    /// v1: each controller under its own hierarchy's directory (the controller's name, or the
    /// joined name a combined mount such as cpu,cpuacct has).
    static func readV1(
        _ paths: [String: (path: String, hierarchy: String)], root: String, value: (String) -> String?
    ) -> CgroupLimits {
        func file(_ controller: String, _ name: String) -> (String?, String) {
            guard let entry = paths[controller] else { return (nil, "\(root)/\(controller)/.../\(name)") }
            let candidates = [controller, entry.hierarchy].map { "\(root)/\($0)\(entry.path)/\(name)" }
            return (candidates.lazy.compactMap(value).first, candidates[0])
        }
        var limits = CgroupLimits()
        let (memory, memoryFile) = file("memory", "memory.limit_in_bytes")
        if let limit = memory.flatMap({ Int64($0) }) {
            limits.memoryBytes = limit >= unlimitedFloor ? nil : limit
        } else {
            limits.unread[.memory] = memoryFile
        }
        let (quota, quotaFile) = file("cpu", "cpu.cfs_quota_us")
        let (period, _) = file("cpu", "cpu.cfs_period_us")
        if let quota = quota.flatMap({ Int64($0) }), let period = period.flatMap({ Int64($0) }) {
            limits.cpuQuotaMicros = quota < 0 ? nil : quota
            limits.cpuPeriodMicros = period
        } else {
            limits.unread[.cpu] = quotaFile
        }
        return limits
    }

    /// How these limits fall short of what was asked: one phrase per field read, empty when all
    /// hold. The kernel keeps a memory limit in whole pages, so that is what an exact one reads
    /// back as.
    public func shortfalls(
        memoryBytes askedMemory: Int64?, cpuQuotaMicros askedQuota: Int64?, cpuPeriodMicros period: Int64 = 100_000,
        pageSize: Int64 = Int64(sysconf(Int32(_SC_PAGESIZE)))
    ) -> [String] {
        var shortfalls: [String] = []
        if let askedMemory, unread[.memory] == nil {
            let pages = askedMemory / pageSize * pageSize
            if memoryBytes != pages {
                shortfalls.append("memory limit \(askedMemory) B asked, the cgroup holds \(Self.describe(memoryBytes))")
            }
        }
        if let askedQuota, unread[.cpu] == nil {
            if cpuQuotaMicros != askedQuota || cpuPeriodMicros != period {
                shortfalls.append(
                    "CPU quota \(askedQuota)/\(period) µs asked, the cgroup holds "
                        + "\(Self.describe(cpuQuotaMicros))/\(Self.describe(cpuPeriodMicros)) µs")
            }
        }
        return shortfalls
    }

    static func describe(_ value: Int64?) -> String { value.map(String.init) ?? "no limit" }

    /// "memory 67108864 B, CPU 50000/100000 µs", for a log line; fields not read say so.
    public var summary: String {
        var parts: [String] = []
        if unread[.memory] == nil {
            parts.append("memory \(memoryBytes.map { "\($0) B" } ?? "no limit")")
        }
        if unread[.cpu] == nil {
            parts.append("CPU \(Self.describe(cpuQuotaMicros))/\(Self.describe(cpuPeriodMicros)) µs")
        }
        let missing = unread.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue) (no \($0.value))" }
        return parts.joined(separator: ", ") + (missing.isEmpty ? "" : "; not read: " + missing.joined(separator: ", "))
    }
}

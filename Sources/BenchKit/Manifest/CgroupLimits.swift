import Foundation

/// The memory and CPU limits a running process's cgroup holds, read from the host: what the
/// runtime enforces, as opposed to what the manifest asked for. cgroup v1 (memory and cpu
/// controllers) and v2 (memory.max, cpu.max) alike; nil fields mean "no limit".
public struct CgroupLimits: Equatable, Sendable {
    public var memoryBytes: Int64?
    public var cpuQuotaMicros: Int64?
    public var cpuPeriodMicros: Int64?

    public init(memoryBytes: Int64? = nil, cpuQuotaMicros: Int64? = nil, cpuPeriodMicros: Int64? = nil) {
        self.memoryBytes = memoryBytes
        self.cpuQuotaMicros = cpuQuotaMicros
        self.cpuPeriodMicros = cpuPeriodMicros
    }

    /// v1 writes "no limit" as a huge page-aligned number; anything this large is none.
    static let unlimitedFloor: Int64 = 1 << 62

    /// The cgroup of `pid` for each controller, from /proc/PID/cgroup ("" for v2's unified line).
    public static func cgroupPaths(_ procCgroup: String) -> [String: String] {
        var paths: [String: String] = [:]
        for line in procCgroup.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            for controller in fields[1].split(separator: ",", omittingEmptySubsequences: false) {
                paths[String(controller)] = String(fields[2])
            }
        }
        return paths
    }

    /// Reads the limits of `pid`'s cgroups under `root`; nil when the process or its cgroup
    /// files cannot be read (another PID namespace, or it has ended).
    public static func read(pid: Int32, procRoot: String = "/proc", root: String = "/sys/fs/cgroup") -> CgroupLimits? {
        guard let text = try? String(contentsOfFile: "\(procRoot)/\(pid)/cgroup", encoding: .utf8) else { return nil }
        let paths = cgroupPaths(text)
        func value(_ path: String) -> String? {
            (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if let memory = paths["memory"], let cpu = paths["cpu"] {
            guard let limit = value("\(root)/memory\(memory)/memory.limit_in_bytes").flatMap({ Int64($0) }),
                let quota = value("\(root)/cpu\(cpu)/cpu.cfs_quota_us").flatMap({ Int64($0) }),
                let period = value("\(root)/cpu\(cpu)/cpu.cfs_period_us").flatMap({ Int64($0) })
            else { return nil }
            return CgroupLimits(
                memoryBytes: limit >= unlimitedFloor ? nil : limit, cpuQuotaMicros: quota < 0 ? nil : quota,
                cpuPeriodMicros: period)
        }
        guard let unified = paths[""], let memory = value("\(root)\(unified)/memory.max"),
            let cpu = value("\(root)\(unified)/cpu.max")
        else { return nil }
        let cpuFields = cpu.split(separator: " ")
        return CgroupLimits(
            memoryBytes: Int64(memory), cpuQuotaMicros: cpuFields.first.flatMap { Int64($0) },
            cpuPeriodMicros: cpuFields.dropFirst().first.flatMap { Int64($0) })
    }

    /// How these limits fall short of what was asked: one phrase per field, empty when all hold.
    /// The kernel keeps a memory limit in whole pages, so that is what an exact one reads back as.
    public func shortfalls(
        memoryBytes askedMemory: Int64?, cpuQuotaMicros askedQuota: Int64?, cpuPeriodMicros: Int64?
    )
        -> [String]
    {
        var shortfalls: [String] = []
        if let askedMemory {
            let pages = askedMemory / 4096 * 4096
            if memoryBytes != pages {
                shortfalls.append("memory limit \(askedMemory) B asked, the cgroup holds \(Self.describe(memoryBytes))")
            }
        }
        if let askedQuota {
            let period = cpuPeriodMicros ?? 100_000
            if cpuQuotaMicros != askedQuota || self.cpuPeriodMicros != period {
                shortfalls.append(
                    "CPU quota \(askedQuota)/\(period) µs asked, the cgroup holds "
                        + "\(Self.describe(cpuQuotaMicros))/\(Self.describe(self.cpuPeriodMicros)) µs")
            }
        }
        return shortfalls
    }

    static func describe(_ value: Int64?) -> String { value.map(String.init) ?? "no limit" }

    /// "memory 67108864 B, CPU 50000/100000 µs", for a log line.
    public var summary: String {
        "memory \(memoryBytes.map { "\($0) B" } ?? "no limit"), CPU "
            + "\(Self.describe(cpuQuotaMicros))/\(Self.describe(cpuPeriodMicros)) µs"
    }
}

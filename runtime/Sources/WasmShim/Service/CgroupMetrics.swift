#if canImport(Glibc)
import Glibc
#endif
import SwiftProtobuf
import TaskAPI
import WasmRuntime
import WasmShimSupport

/// A task's cgroup v1 figures as containerd's cgroups v1 Metrics, which CRI turns into
/// ListContainerStats (CPU usage, memory usage and working set).
enum CgroupMetrics {
    /// How many processes the kernel's OOM killer ended in the cgroup (memory.oom_control).
    static func oomKills(path: String) -> UInt64 {
        guard let file = Cgroups().file("memory.oom_control", path: path),
            let text = try? Posix.readText(file)
        else { return 0 }
        let line = text.split(separator: "\n").first { $0.hasPrefix("oom_kill ") }
        return line.flatMap { UInt64($0.dropFirst("oom_kill ".count)) } ?? 0
    }

    static func read(path: String) throws -> Google_Protobuf_Any {
        let cgroups = Cgroups()
        func number(_ name: String) -> UInt64? {
            cgroups.file(name, path: path).flatMap { try? Posix.readText($0) }.flatMap { UInt64($0.trimmingNewlines) }
        }
        guard number("memory.usage_in_bytes") != nil || number("cpuacct.usage") != nil else {
            throw ShimError(.notFound, "cgroup \(path) has no memory or cpuacct figures (is it gone?)")
        }
        var metrics = Io_Containerd_Cgroups_V1_Metrics()
        metrics.pids.current = number("pids.current") ?? 0
        metrics.pids.limit = number("pids.max") ?? 0
        metrics.cpu.usage.total = number("cpuacct.usage") ?? 0
        metrics.cpu.usage.user = number("cpuacct.usage_user") ?? 0
        metrics.cpu.usage.kernel = number("cpuacct.usage_sys") ?? 0
        metrics.memory.usage.usage = number("memory.usage_in_bytes") ?? 0
        metrics.memory.usage.max = number("memory.max_usage_in_bytes") ?? 0
        metrics.memory.usage.limit = number("memory.limit_in_bytes") ?? 0
        metrics.memory.usage.failcnt = number("memory.failcnt") ?? 0
        let stat = cgroups.file("memory.stat", path: path).flatMap { try? Posix.readText($0) } ?? ""
        var values: [String: UInt64] = [:]
        for line in stat.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count == 2, let value = UInt64(fields[1]) { values[String(fields[0])] = value }
        }
        metrics.memory.cache = values["cache"] ?? 0
        metrics.memory.rss = values["rss"] ?? 0
        metrics.memory.mappedFile = values["mapped_file"] ?? 0
        metrics.memory.inactiveFile = values["inactive_file"] ?? 0
        metrics.memory.activeFile = values["active_file"] ?? 0
        metrics.memory.totalCache = values["total_cache"] ?? 0
        metrics.memory.totalRss = values["total_rss"] ?? 0
        metrics.memory.totalInactiveFile = values["total_inactive_file"] ?? 0
        metrics.memory.totalActiveFile = values["total_active_file"] ?? 0
        metrics.memory.totalMappedFile = values["total_mapped_file"] ?? 0
        return try Google_Protobuf_Any(containerd: metrics)
    }
}

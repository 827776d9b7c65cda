import BenchKit
import Foundation
import Testing

/// Reading a container's limits from its cgroup files, on a fake /proc and /sys/fs/cgroup.
@Suite("cgroup limits")
struct CgroupLimitsTests {
    /// Writes `files` (path: text) under a scratch root and runs `body` with the root.
    func withTree(_ files: [String: String], _ body: (String) throws -> Void) throws {
        let root = NSTemporaryDirectory() + "cribench-cgroup-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: root) }
        for (path, text) in files {
            let url = URL(fileURLWithPath: root + path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: false, encoding: .utf8)
        }
        try body(root)
    }

    @Test func cgroupLinesGiveEachControllerItsPath() {
        let paths = CgroupLimits.cgroupPaths("12:memory:/cribench/a\n4:cpu,cpuacct:/cribench/b\n0::/unified/c\n")
        #expect(paths == ["memory": "/cribench/a", "cpu": "/cribench/b", "cpuacct": "/cribench/b", "": "/unified/c"])
    }

    @Test func v1FilesAreReadAndAHugeLimitIsNone() throws {
        try withTree([
            "/proc/7/cgroup": "9:memory:/pod/c\n3:cpu,cpuacct:/pod/c\n",
            "/cg/memory/pod/c/memory.limit_in_bytes": "50331648\n",
            "/cg/cpu/pod/c/cpu.cfs_quota_us": "25000\n", "/cg/cpu/pod/c/cpu.cfs_period_us": "100000\n",
            "/proc/8/cgroup": "9:memory:/pod/d\n3:cpu,cpuacct:/pod/d\n",
            "/cg/memory/pod/d/memory.limit_in_bytes": "9223372036854771712\n",
            "/cg/cpu/pod/d/cpu.cfs_quota_us": "-1\n", "/cg/cpu/pod/d/cpu.cfs_period_us": "100000\n",
        ]) { root in
            let limited = CgroupLimits.read(pid: 7, procRoot: root + "/proc", root: root + "/cg")
            #expect(limited == CgroupLimits(memoryBytes: 50_331_648, cpuQuotaMicros: 25_000, cpuPeriodMicros: 100_000))
            let open = CgroupLimits.read(pid: 8, procRoot: root + "/proc", root: root + "/cg")
            #expect(open == CgroupLimits(memoryBytes: nil, cpuQuotaMicros: nil, cpuPeriodMicros: 100_000))
            #expect(CgroupLimits.read(pid: 9, procRoot: root + "/proc", root: root + "/cg") == nil, "no such process")
        }
    }

    @Test func v2FilesAreRead() throws {
        try withTree([
            "/proc/7/cgroup": "0::/pod/c\n", "/cg/pod/c/memory.max": "max\n", "/cg/pod/c/cpu.max": "50000 100000\n",
        ]) { root in
            let limits = CgroupLimits.read(pid: 7, procRoot: root + "/proc", root: root + "/cg")
            #expect(limits == CgroupLimits(memoryBytes: nil, cpuQuotaMicros: 50_000, cpuPeriodMicros: 100_000))
        }
    }

    @Test func shortfallsNameEachFieldThatDoesNotHold() {
        let applied = CgroupLimits(memoryBytes: 50_331_648, cpuQuotaMicros: 25_000, cpuPeriodMicros: 100_000)
        #expect(applied.shortfalls(memoryBytes: 50_331_648, cpuQuotaMicros: 25_000, cpuPeriodMicros: 100_000).isEmpty)
        // The kernel keeps whole pages: 50331649 B asked reads back as 50331648.
        #expect(applied.shortfalls(memoryBytes: 50_331_649, cpuQuotaMicros: nil, cpuPeriodMicros: nil).isEmpty)
        let none = CgroupLimits(memoryBytes: nil, cpuQuotaMicros: nil, cpuPeriodMicros: 100_000)
        let shortfalls = none.shortfalls(memoryBytes: 50_331_648, cpuQuotaMicros: 25_000, cpuPeriodMicros: 100_000)
        #expect(
            shortfalls == [
                "memory limit 50331648 B asked, the cgroup holds no limit",
                "CPU quota 25000/100000 µs asked, the cgroup holds no limit/100000 µs",
            ])
        #expect(applied.shortfalls(memoryBytes: 64 << 20, cpuQuotaMicros: nil, cpuPeriodMicros: nil).count == 1)
    }
}

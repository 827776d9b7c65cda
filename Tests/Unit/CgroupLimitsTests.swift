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

    @Test func cgroupLinesGiveEachControllerItsPathAndHierarchy() {
        let paths = CgroupLimits.cgroupPaths("12:memory:/cribench/a\n4:cpu,cpuacct:/cribench/b\n0::/unified/c\n")
        #expect(
            paths.mapValues(\.path) == [
                "memory": "/cribench/a", "cpu": "/cribench/b", "cpuacct": "/cribench/b", "": "/unified/c",
            ])
        #expect(paths["cpu"]?.hierarchy == "cpu,cpuacct")
    }

    func read(_ pid: Int32, _ root: String, expected: String) -> Result<CgroupLimits, CgroupLimits.NotReadable> {
        CgroupLimits.read(pid: pid, expectedPath: expected, procRoot: root + "/proc", root: root + "/cg")
    }

    @Test func v1FilesAreReadAndAHugeLimitIsNone() throws {
        try withTree([
            "/proc/7/cgroup": "9:memory:/pod/c\n3:cpu,cpuacct:/pod/c\n",
            "/cg/memory/pod/c/memory.limit_in_bytes": "50331648\n",
            "/cg/cpu/pod/c/cpu.cfs_quota_us": "25000\n", "/cg/cpu/pod/c/cpu.cfs_period_us": "100000\n",
            "/proc/8/cgroup": "9:memory:/pod/d\n3:cpu,cpuacct:/pod/d\n",
            "/cg/memory/pod/d/memory.limit_in_bytes": "9223372036854771712\n",
            // A combined mount with no "cpu" link: the joined name is the directory.
            "/cg/cpu,cpuacct/pod/d/cpu.cfs_quota_us": "-1\n", "/cg/cpu,cpuacct/pod/d/cpu.cfs_period_us": "100000\n",
        ]) { root in
            let limited = try read(7, root, expected: "/pod/c").get()
            #expect(limited == CgroupLimits(memoryBytes: 50_331_648, cpuQuotaMicros: 25_000, cpuPeriodMicros: 100_000))
            let open = try read(8, root, expected: "pod/d").get()
            #expect(open == CgroupLimits(memoryBytes: nil, cpuQuotaMicros: nil, cpuPeriodMicros: 100_000))
        }
    }

    /// A reused pid, or one of another namespace or of a VM, is in some other cgroup: not read.
    @Test func aProcessOutsideTheContainersCgroupOrInvisibleIsNotRead() throws {
        try withTree([
            "/proc/7/cgroup": "9:memory:/user.slice\n3:cpu,cpuacct:/user.slice\n",
            "/cg/memory/user.slice/memory.limit_in_bytes": "1048576\n",
        ]) { root in
            #expect(
                read(7, root, expected: "/pod/c")
                    == .failure(.init(reason: "process 7 is in cgroup /user.slice, not the container's /pod/c")))
            #expect(
                read(9, root, expected: "/pod/c") == .failure(.init(reason: "process 9 is not visible from this host")))
        }
    }

    @Test func aFieldWhoseFileIsMissingIsListedUnreadAndNotJudged() throws {
        try withTree([
            "/proc/7/cgroup": "0::/pod/c\n", "/cg/pod/c/memory.max": "max\n",
        ]) { root in
            let limits = try read(7, root, expected: "/pod/c").get()
            #expect(limits.memoryBytes == nil && limits.unread == [.cpu: "\(root)/cg/pod/c/cpu.max"])
            #expect(limits.shortfalls(memoryBytes: nil, cpuQuotaMicros: 25_000, cpuPeriodMicros: 100_000).isEmpty)
            #expect(limits.summary.hasPrefix("memory no limit; not read: CPU (no "))
        }
    }

    @Test func v2FilesAreRead() throws {
        try withTree([
            "/proc/7/cgroup": "0::/pod/c\n", "/cg/pod/c/memory.max": "max\n", "/cg/pod/c/cpu.max": "50000 100000\n",
        ]) { root in
            let limits = try read(7, root, expected: "/pod/c").get()
            #expect(limits == CgroupLimits(memoryBytes: nil, cpuQuotaMicros: 50_000, cpuPeriodMicros: 100_000))
        }
        try withTree([
            "/proc/7/cgroup": "0::/pod/c\n", "/cg/pod/c/memory.max": "50331648\n", "/cg/pod/c/cpu.max": "max 100000\n",
        ]) { root in
            let limits = try read(7, root, expected: "/pod/c").get()
            #expect(limits == CgroupLimits(memoryBytes: 50_331_648, cpuQuotaMicros: nil, cpuPeriodMicros: 100_000))
        }
    }

    @Test func shortfallsNameEachFieldThatDoesNotHold() {
        let applied = CgroupLimits(memoryBytes: 50_331_648, cpuQuotaMicros: 25_000, cpuPeriodMicros: 100_000)
        #expect(applied.shortfalls(memoryBytes: 50_331_648, cpuQuotaMicros: 25_000, cpuPeriodMicros: 100_000).isEmpty)
        // The kernel keeps whole pages: 50331649 B asked reads back as 50331648.
        #expect(
            applied.shortfalls(memoryBytes: 50_331_649, cpuQuotaMicros: nil, pageSize: 4096)
                .isEmpty)
        #expect(
            applied.shortfalls(memoryBytes: 50_331_649, cpuQuotaMicros: nil, pageSize: 65536)
                .isEmpty, "50331648 is whole 64 KiB pages too")
        let none = CgroupLimits(memoryBytes: nil, cpuQuotaMicros: nil, cpuPeriodMicros: 100_000)
        let shortfalls = none.shortfalls(memoryBytes: 50_331_648, cpuQuotaMicros: 25_000, cpuPeriodMicros: 100_000)
        #expect(
            shortfalls == [
                "memory limit 50331648 B asked, the cgroup holds no limit",
                "CPU quota 25000/100000 µs asked, the cgroup holds no limit/100000 µs",
            ])
        #expect(applied.shortfalls(memoryBytes: 64 << 20, cpuQuotaMicros: nil).count == 1)
    }
}

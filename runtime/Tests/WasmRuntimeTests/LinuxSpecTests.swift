#if canImport(Glibc)
import Glibc
#endif
import CSystemCalls
import Testing
import WasmRuntime

/// The container parts of config.json: what wasm-runc honours and what it refuses by name.
@Suite struct LinuxSpecTests {
    /// The shape containerd 1.6's CRI plugin writes for a container of a pod.
    static let criConfig = #"""
        {"ociVersion":"1.0.2-dev","process":{"user":{"uid":1000,"gid":3000,"additionalGids":[3000,4000]},
        "args":["/idle.wasm"],"env":["PATH=/usr/bin"],"cwd":"/","capabilities":{"bounding":["CAP_CHOWN","CAP_KILL"],
        "effective":["CAP_KILL"],"permitted":["CAP_KILL"]},"noNewPrivileges":true,"oomScoreAdj":1000,
        "rlimits":[{"type":"RLIMIT_NOFILE","hard":1024,"soft":512}]},"root":{"path":"rootfs","readonly":true},
        "mounts":[{"destination":"/proc","type":"proc","source":"proc","options":["nosuid","noexec","nodev"]},
        {"destination":"/dev","type":"tmpfs","source":"tmpfs","options":["nosuid","strictatime","mode=755",
        "size=65536k"]},{"destination":"/data","type":"bind","source":"/var/data","options":["rbind","rprivate","ro"]}],
        "linux":{"resources":{"devices":[{"allow":false,"access":"rwm"}],"memory":{"limit":67108864},
        "cpu":{"shares":512,"quota":50000,"period":100000},"pids":{"limit":64}},"cgroupsPath":"/cribench/abc",
        "namespaces":[{"type":"pid","path":"/proc/1/ns/pid"},{"type":"ipc"},{"type":"uts"},{"type":"mount"},
        {"type":"network","path":"/proc/1/ns/net"}],"maskedPaths":["/proc/kcore"],"readonlyPaths":["/proc/sys"]}}
        """#

    @Test func criConfigIsReadWhole() throws {
        let spec = LinuxSpec(config: try JSON.parse(Self.criConfig))
        #expect(spec.unsupportedFields.isEmpty, "\(spec.unsupportedFields)")
        #expect(spec.user == .init(uid: 1000, gid: 3000, additionalGids: [3000, 4000]))
        #expect(spec.capabilities?.bounding == ["CAP_CHOWN", "CAP_KILL"])
        #expect(spec.noNewPrivileges && spec.readonlyRoot && spec.oomScoreAdj == 1000)
        #expect(spec.rlimits == [.init(type: "RLIMIT_NOFILE", hard: 1024, soft: 512)])
        #expect(spec.namespaces.first { $0.type == "network" }?.path == "/proc/1/ns/net")
        #expect(spec.namespaces.first { $0.type == "mount" }?.path == nil)
        #expect(spec.mounts.map(\.destination) == ["/proc", "/dev", "/data"])
        #expect(
            spec.resources.memoryLimit == 67_108_864 && spec.resources.cpuShares == 512
                && spec.resources.cpuQuota == 50_000)
        #expect(spec.resources.pidsLimit == 64 && spec.resources.devices.count == 1)
        #expect(spec.maskedPaths == ["/proc/kcore"] && spec.readonlyPaths == ["/proc/sys"])
    }

    @Test(arguments: [
        (
            #""linux":{"seccomp":{"defaultAction":"SCMP_ACT_ERRNO","listenerPath":"/run/agent.sock"}}"#,
            "linux.seccomp.listenerPath is not supported by wasm-runc; remove it from the profile"
        ),
        (
            #""linux":{"seccomp":{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["mkdir"],"#
                + #""action":"SCMP_ACT_NOTIFY"}]}}"#,
            "linux.seccomp.syscalls[0].action: SCMP_ACT_NOTIFY needs a seccomp agent, which wasm-runc does not "
                + "support; use another action"
        ),
        (#""linux":{"intelRdt":{"closID":"x"}}"#, "linux.intelRdt"),
        (#""process":{"args":["/a.wasm"],"user":{"uid":0,"gid":0,"umask":18}}"#, "process.user.umask"),
        (#""linux":{"resources":{"memory":{"limit":1,"swappiness":10}}}"#, "linux.resources.memory.swappiness"),
        (#""linux":{"resources":{"cpu":{"burst":10}}}"#, "linux.resources.cpu.burst"),
        (#""process":{"args":["/a.wasm"],"apparmorProfile":"x"}"#, "process.apparmorProfile"),
        (#""domainname":"example.org""#, "domainname"),
        (
            #""mounts":[{"destination":"/v","type":"bind","source":"/s","options":["rbind"],"#
                + #""uidMappings":[{"size":1}]}]"#,
            "mounts[0].uidMappings"
        ),
        (#""linux":{"namespaces":[{"type":"user"}]}"#, "linux.namespaces[type=user]"),
        (#""linux":{"sysctl":{"net.ipv4.ip_forward":"1"}}"#, "linux.sysctl"),
        (#""hooks":{"prestart":[{"path":"/bin/true"}]}"#, "hooks"),
        (#""linux":{"resources":{"hugepageLimits":[{"pageSize":"2MB","limit":1}]}}"#, "linux.resources.hugepageLimits"),
        (#""linux":{"resources":{"blockIO":{"weight":10}}}"#, "linux.resources.blockIO"),
        (#""linux":{"rootfsPropagation":"rshared"}"#, "linux.rootfsPropagation=rshared"),
        (
            #""mounts":[{"destination":"/v","type":"bind","source":"/s","options":["rbind","rro"]}]"#,
            "mounts[/v].options rro"
        ),
    ])
    func fieldsItCannotHonourAreNamed(fragment: String, field: String) throws {
        let process = fragment.hasPrefix(#""process""#) ? "" : #""process":{"args":["/a.wasm"]},"#
        let spec = LinuxSpec(config: try JSON.parse("{" + process + fragment + "}"))
        #expect(spec.unsupportedFields == [field])
        let error = #expect(throws: RuntimeError.self) { try spec.requireSupported(bundle: "/b") }
        #expect(error?.description.contains(field) == true && error?.description.contains("/b") == true)
    }

    /// Empty values of fields wasm-runc does not know change nothing, as in runc.
    @Test func emptyUnknownFieldsAreNotRefused() throws {
        let spec = LinuxSpec(
            config: try JSON.parse(
                #"{"process":{"args":["/a.wasm"],"apparmorProfile":""},"linux":{"sysctl":{},"#
                    + #""resources":{"hugepageLimits":[]}},"hooks":{}}"#))
        #expect(spec.unsupportedFields.isEmpty, "\(spec.unsupportedFields)")
    }

    @Test func aTerminalIsRefused() throws {
        let spec = LinuxSpec(config: try JSON.parse(#"{"process":{"args":["/a.wasm"],"terminal":true}}"#))
        #expect(spec.unsupportedFields == ["process.terminal"])
    }

    @Test func mountOptionsSplitIntoFlagsPropagationAndData() {
        let options = MountOptions(["rbind", "rprivate", "ro", "nosuid", "mode=755", "size=65536k"])
        #expect(options.isBind && options.isRecursive)
        #expect(options.flags == UInt(MS_RDONLY | MS_NOSUID))
        #expect(options.propagation == UInt(MS_PRIVATE | MS_REC))
        #expect(options.dataString == "mode=755,size=65536k")
        #expect(options.needsRemount)
        #expect(!MountOptions(["rbind", "rprivate", "rw"]).needsRemount)
        #expect(MountOptions(["nodev", "dev"]).flags & UInt(MS_NODEV) == 0, "a later option wins")
    }

    /// Every bind is nodev; ro/nosuid/noexec are set, their opposites cleared, and one access-time
    /// mode replaces the others.
    @Test func bindOptionsBecomeMountAttributes() {
        let readOnly = MountOptions(["rbind", "rprivate", "ro", "nosuid", "noexec"]).bindAttributes
        #expect(
            readOnly.set
                == UInt64(WR_MOUNT_ATTR_NODEV | WR_MOUNT_ATTR_RDONLY | WR_MOUNT_ATTR_NOSUID | WR_MOUNT_ATTR_NOEXEC))
        #expect(readOnly.clear == 0)
        let writable = MountOptions(["rbind", "rw", "dev", "suid", "noatime"]).bindAttributes
        #expect(writable.set == UInt64(WR_MOUNT_ATTR_NODEV | WR_MOUNT_ATTR_NOATIME), "dev asked for, nodev given")
        #expect(writable.clear == UInt64(WR_MOUNT_ATTR_RDONLY | WR_MOUNT_ATTR_NOSUID | WR_MOUNT_ATTR__ATIME))
    }

    @Test func capabilityNamesBecomeBits() throws {
        #expect(
            try Credentials.mask(["CAP_CHOWN", "CAP_KILL", "CAP_CHECKPOINT_RESTORE"], field: "f")
                == (1 << 0 | 1 << 5 | 1 << 40))
        let error = #expect(throws: RuntimeError.self) {
            try Credentials.mask(["CAP_TELEPORT"], field: "process.capabilities.bounding")
        }
        #expect(error?.description.contains("CAP_TELEPORT") == true)
    }
}

/// Cgroup placement on a fake cgroupfs: a directory tree shaped like v1 or v2.
@Suite struct CgroupsTests {
    func fakeRoot(_ files: [String]) throws -> String {
        var template = Array("/tmp/wasm-runc-cgroup-XXXXXX".utf8CString)
        let root = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        for file in files {
            try Posix.makeDirectories(root + "/" + file.split(separator: "/").dropLast().joined(separator: "/"))
            try Posix.writeFile(root + "/" + file, "")
        }
        return root
    }

    var resources: LinuxSpec.Resources {
        var resources = LinuxSpec.Resources()
        resources.memoryLimit = 64 << 20
        resources.memorySwap = 64 << 20
        resources.cpuShares = 512
        resources.cpuQuota = 50_000
        resources.cpuPeriod = 100_000
        resources.pidsLimit = 64
        resources.devices = [.init(allow: false, type: "a", major: nil, minor: nil, access: "rwm")]
        return resources
    }

    /// Without an eBPF device program an instance on v2 would have no device policy: refused,
    /// naming why, before any cgroup is made.
    @Test func version2IsRefusedUntilDevicesCanBeEnforced() throws {
        let root = try fakeRoot(["cgroup.controllers", "cgroup.subtree_control"])
        defer { Posix.removeTree(root) }
        let cgroups = Cgroups(mountRoot: root)
        #expect(cgroups.version == .v2)
        let error = #expect(throws: RuntimeError.self) {
            try cgroups.enter(pid: 4242, path: "/pod/c1", resources: resources)
        }
        #expect(error?.description.contains("linux.resources.devices") == true)
        #expect(!Posix.exists(root + "/pod"), "nothing made")
    }

    @Test func version1WritesEachHierarchyAndDeniesDevices() throws {
        let root = try fakeRoot([
            "memory/cgroup.procs", "memory/pod/c1/memory.limit_in_bytes", "memory/pod/c1/memory.memsw.limit_in_bytes",
            "memory/pod/c1/cgroup.procs", "cpu/cgroup.procs", "cpu/pod/c1/cpu.shares", "cpu/pod/c1/cpu.cfs_quota_us",
            "cpu/pod/c1/cpu.cfs_period_us", "cpu/pod/c1/cgroup.procs", "pids/cgroup.procs", "pids/pod/c1/pids.max",
            "pids/pod/c1/cgroup.procs", "devices/cgroup.procs", "devices/pod/c1/devices.deny",
            "devices/pod/c1/devices.allow", "devices/pod/c1/cgroup.procs",
        ])
        defer { Posix.removeTree(root) }
        let cgroups = Cgroups(mountRoot: root, version: .v1)
        try cgroups.enter(pid: 4242, path: "/pod/c1", resources: resources)
        #expect(try Posix.readText(root + "/memory/pod/c1/memory.limit_in_bytes") == "67108864")
        #expect(try Posix.readText(root + "/cpu/pod/c1/cpu.cfs_quota_us") == "50000")
        #expect(try Posix.readText(root + "/pids/pod/c1/pids.max") == "64")
        #expect(try Posix.readText(root + "/devices/pod/c1/cgroup.procs") == "4242")
        // Each write replaces the fake file; the kernel would append rules. The last allow is
        // the pty rule, and a deny-all came first.
        #expect(try Posix.readText(root + "/devices/pod/c1/devices.allow") == "c 136:* rwm")
        #expect(DeviceRules.v1Rules(resources.devices).first.map { !$0.allow && $0.line == "a" } == true)
        #expect(!DeviceRules.v1Rules([]).contains { $0.allow && $0.line == "a" }, "nothing allows every device")
    }
}

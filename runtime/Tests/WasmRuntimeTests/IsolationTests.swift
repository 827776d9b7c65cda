import Testing
import WasmRuntime

/// The pure parts of the wall around an instance: the seccomp profile as libseccomp gets it,
/// the mount table the procfs fence reads, and the names that become paths.
@Suite struct SeccompProfileTests {
    /// The shape of containerd's RuntimeDefault profile, cut down.
    static let profile = #"""
        {"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":38,
         "architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86","SCMP_ARCH_X32"],
         "syscalls":[{"names":["read","write"],"action":"SCMP_ACT_ALLOW"},
           {"names":["personality"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":0,"op":"SCMP_CMP_EQ"},
             {"index":0,"value":8,"op":"SCMP_CMP_EQ"}]},
           {"names":["clone"],"action":"SCMP_ACT_ALLOW",
            "args":[{"index":0,"value":2114060288,"valueTwo":0,"op":"SCMP_CMP_MASKED_EQ"}]},
           {"names":["mkdir"],"action":"SCMP_ACT_ERRNO","errnoRet":38},
           {"names":["kexec_load"],"action":"SCMP_ACT_KILL_PROCESS"}]}
        """#

    @Test func actionsArchitecturesAndArgumentsAreTranslated() throws {
        let profile = try SeccompProfile(config: try JSON.parse(Self.profile))
        #expect(profile.defaultAction == 0x0005_0000 | 38, "ERRNO with defaultErrnoRet")
        #expect(profile.architectures == ["x86_64", "x86", "x32"])
        #expect(profile.rules[0] == .init(names: ["read", "write"], action: 0x7fff_0000, conditions: []))
        #expect(profile.rules[2].conditions == [.init(index: 0, op: 7, value: 2_114_060_288, valueTwo: 0)])
        #expect(profile.rules[4].action == 0x8000_0000)
    }

    /// Two conditions on one argument become two rules (libseccomp would refuse or AND them);
    /// a rule with the default action is left out.
    @Test func filterRulesAreWhatLibseccompAccepts() throws {
        let rules = try SeccompProfile(config: try JSON.parse(Self.profile)).filterRules
        #expect(!rules.contains { $0.names == ["mkdir"] }, "same action as the default")
        let personality = rules.filter { $0.names == ["personality"] }
        #expect(personality.map(\.conditions.count) == [1, 1])
        #expect(personality.map { $0.conditions[0].value } == [0, 8])
        #expect(rules.count == 5)
    }

    @Test func unknownActionsOperatorsAndFlagsAreNamed() throws {
        for (fragment, expected) in [
            (#""defaultAction":"SCMP_ACT_TELEPORT""#, "unknown seccomp action SCMP_ACT_TELEPORT"),
            (
                #""defaultAction":"SCMP_ACT_ALLOW","flags":["SECCOMP_FILTER_FLAG_NEW_LISTENER"]"#,
                "SECCOMP_FILTER_FLAG_NEW_LISTENER"
            ),
            (
                #""defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["a"],"action":"SCMP_ACT_ERRNO","#
                    + #""args":[{"index":0,"op":"SCMP_CMP_ABOUT"}]}]"#, "unknown operator"
            ),
        ] {
            let error = #expect(throws: RuntimeError.self) {
                try SeccompProfile(config: try JSON.parse("{" + fragment + "}"))
            }
            #expect(error?.description.contains(expected) == true, "\(String(describing: error))")
        }
    }
}

@Suite struct KernelFilesystemFenceTests {
    @Test func mountinfoLinesGiveMountPointAndType() {
        let text = """
            600 500 0:70 / / rw,relatime - overlay overlay rw,lowerdir=/l
            601 600 0:75 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw
            602 601 0:76 /null /proc/kcore rw,nosuid - devtmpfs udev rw
            603 600 0:77 / /sys ro,nosuid shared:7 master:3 - sysfs sysfs ro
            604 600 0:78 / /data\\040dir rw - ext4 /dev/vda rw
            """
        let mounts = KernelFilesystemFence.parse(mountinfo: text)
        #expect(mounts.map(\.point) == ["/", "/proc", "/proc/kcore", "/sys", "/data dir"])
        #expect(mounts.map(\.type) == ["overlay", "proc", "devtmpfs", "sysfs", "ext4"])
        #expect(
            mounts.filter { KernelFilesystemFence.hiddenTypes.contains($0.type) }.map(\.point) == ["/proc", "/sys"])
    }
}

@Suite struct ContainerIdentifierTests {
    @Test(arguments: ["abc", "0123456789abcdef", "a.b_c+d-e", String(repeating: "f", count: 64)])
    func validIDsPass(id: String) throws { try ContainerIdentifiers.validateID(id) }

    @Test(arguments: ["", ".", "..", "../x", "a/b", "a b", "a\nb", "é"])
    func invalidIDsAreRefused(id: String) {
        let error = #expect(throws: RuntimeError.self) { try ContainerIdentifiers.validateID(id) }
        #expect(error?.description.contains("invalid container id") == true)
    }

    @Test(arguments: ["/cribench/abc", "kubepods/pod1/c1", "/a:b/c"])
    func cgroupPathsBelowTheRootPass(path: String) throws { try ContainerIdentifiers.validateCgroupsPath(path) }

    @Test(arguments: ["/", "", "/cribench/../../etc", "..", "/a/./b", "/a\u{1}b"])
    func cgroupPathsThatLeaveOrSayNothingAreRefused(path: String) {
        let error = #expect(throws: RuntimeError.self) { try ContainerIdentifiers.validateCgroupsPath(path) }
        #expect(error?.description.contains("linux.cgroupsPath") == true)
    }
}

#if canImport(Glibc)
import Glibc
#endif
import CSystemCalls

/// The instance's user, capabilities and limits, applied as runc applies them, last before the
/// module runs: nothing it does afterwards can need more.
public enum Credentials {
    /// Linux capability numbers (linux/capability.h).
    public static let capabilityNumbers: [String: Int] = [
        "CAP_CHOWN": 0, "CAP_DAC_OVERRIDE": 1, "CAP_DAC_READ_SEARCH": 2, "CAP_FOWNER": 3, "CAP_FSETID": 4,
        "CAP_KILL": 5, "CAP_SETGID": 6, "CAP_SETUID": 7, "CAP_SETPCAP": 8, "CAP_LINUX_IMMUTABLE": 9,
        "CAP_NET_BIND_SERVICE": 10, "CAP_NET_BROADCAST": 11, "CAP_NET_ADMIN": 12, "CAP_NET_RAW": 13,
        "CAP_IPC_LOCK": 14, "CAP_IPC_OWNER": 15, "CAP_SYS_MODULE": 16, "CAP_SYS_RAWIO": 17, "CAP_SYS_CHROOT": 18,
        "CAP_SYS_PTRACE": 19, "CAP_SYS_PACCT": 20, "CAP_SYS_ADMIN": 21, "CAP_SYS_BOOT": 22, "CAP_SYS_NICE": 23,
        "CAP_SYS_RESOURCE": 24, "CAP_SYS_TIME": 25, "CAP_SYS_TTY_CONFIG": 26, "CAP_MKNOD": 27, "CAP_LEASE": 28,
        "CAP_AUDIT_WRITE": 29, "CAP_AUDIT_CONTROL": 30, "CAP_SETFCAP": 31, "CAP_MAC_OVERRIDE": 32,
        "CAP_MAC_ADMIN": 33, "CAP_SYSLOG": 34, "CAP_WAKE_ALARM": 35, "CAP_BLOCK_SUSPEND": 36, "CAP_AUDIT_READ": 37,
        "CAP_PERFMON": 38, "CAP_BPF": 39, "CAP_CHECKPOINT_RESTORE": 40,
    ]

    static let rlimitNumbers: [String: Int32] = [
        "RLIMIT_CPU": 0, "RLIMIT_FSIZE": 1, "RLIMIT_DATA": 2, "RLIMIT_STACK": 3, "RLIMIT_CORE": 4, "RLIMIT_RSS": 5,
        "RLIMIT_NPROC": 6, "RLIMIT_NOFILE": 7, "RLIMIT_MEMLOCK": 8, "RLIMIT_AS": 9, "RLIMIT_LOCKS": 10,
        "RLIMIT_SIGPENDING": 11, "RLIMIT_MSGQUEUE": 12, "RLIMIT_NICE": 13, "RLIMIT_RTPRIO": 14, "RLIMIT_RTTIME": 15,
    ]

    /// A set of capability names as a bit mask; an unknown name fails naming it.
    public static func mask(_ names: [String], field: String) throws -> UInt64 {
        var mask: UInt64 = 0
        for name in names {
            guard let number = capabilityNumbers[name] else {
                throw RuntimeError("\(field): unknown capability \(name)")
            }
            mask |= 1 << UInt64(number)
        }
        return mask
    }

    /// Rlimits, which need privileges the instance may no longer have later. (The OOM score is
    /// written by `create` through the host's /proc, see ``writeOOMScore(_:pid:)``.)
    public static func applyLimits(_ spec: LinuxSpec) throws {
        for limit in spec.rlimits {
            guard let resource = rlimitNumbers[limit.type] else {
                throw RuntimeError("process.rlimits: unknown type \(limit.type)")
            }
            var value = rlimit(rlim_cur: rlim_t(limit.soft), rlim_max: rlim_t(limit.hard))
            guard setrlimit(__rlimit_resource_t(UInt32(resource)), &value) == 0 else {
                throw RuntimeError.errno("process.rlimits: set \(limit.type)")
            }
        }
    }

    public static func writeOOMScore(_ spec: LinuxSpec, pid: Int32) throws {
        guard let score = spec.oomScoreAdj else { return }
        do { try Posix.writeFile("/proc/\(pid)/oom_score_adj", String(score)) } catch {
            throw RuntimeError("process.oomScoreAdj: \(error)")
        }
    }

    /// Drops to the spec's user and capabilities; with noNewPrivileges, for good.
    public static func apply(_ spec: LinuxSpec, lastCapability: Int) throws {
        let capabilities = spec.capabilities ?? LinuxSpec.Capabilities()
        let bounding = try mask(capabilities.bounding, field: "process.capabilities.bounding")
        var effective = try mask(capabilities.effective, field: "process.capabilities.effective")
        var permitted = try mask(capabilities.permitted, field: "process.capabilities.permitted")
        let inheritable = try mask(capabilities.inheritable, field: "process.capabilities.inheritable")
        let ambient = try mask(capabilities.ambient, field: "process.capabilities.ambient")
        // runc sets these sets and then execs the workload; for a user other than root the
        // kernel's exec leaves only the ambient set (no file capabilities on the binary). The
        // instance does not exec, so it gives itself what runc's process ends up with.
        if spec.user.uid != 0 {
            effective = ambient
            permitted = ambient
        }

        for number in 0...lastCapability where bounding & (1 << UInt64(number)) == 0 {
            guard wr_prctl(WR_PR_CAPBSET_DROP, UInt(number), 0, 0, 0) == 0 else {
                throw RuntimeError.errno("process.capabilities.bounding: drop \(number)")
            }
        }
        // Keep the permitted set across the change of user; capset below sets it exactly.
        guard wr_prctl(WR_PR_SET_KEEPCAPS, 1, 0, 0, 0) == 0 else {
            throw RuntimeError.errno("prctl WR_PR_SET_KEEPCAPS")
        }
        let user = spec.user
        var groups = user.additionalGids.map { gid_t($0) }
        guard setgroups(groups.count, &groups) == 0 else {
            throw RuntimeError.errno("process.user.additionalGids: setgroups")
        }
        guard wr_setresgid(user.gid) == 0 else { throw RuntimeError.errno("process.user.gid: setresgid \(user.gid)") }
        guard wr_setresuid(user.uid) == 0 else { throw RuntimeError.errno("process.user.uid: setresuid \(user.uid)") }
        guard wr_prctl(WR_PR_SET_KEEPCAPS, 0, 0, 0, 0) == 0 else {
            throw RuntimeError.errno("prctl WR_PR_SET_KEEPCAPS")
        }
        guard wr_capset(effective, permitted, inheritable) == 0 else {
            throw RuntimeError.errno("process.capabilities: capset")
        }
        for number in 0...lastCapability where ambient & (1 << UInt64(number)) != 0 {
            guard wr_prctl(WR_PR_CAP_AMBIENT, UInt(WR_PR_CAP_AMBIENT_RAISE), UInt(number), 0, 0) == 0 else {
                throw RuntimeError.errno("process.capabilities.ambient: raise \(number)")
            }
        }
        if spec.noNewPrivileges {
            guard wr_prctl(WR_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 else {
                throw RuntimeError.errno("process.noNewPrivileges")
            }
        }
    }
}

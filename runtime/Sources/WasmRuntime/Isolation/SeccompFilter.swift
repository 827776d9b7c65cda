#if canImport(Glibc)
import Glibc
#endif
import CSystemCalls

/// Loads a ``SeccompProfile`` into the calling thread through libseccomp. The instance loads it
/// before the module is instantiated: from then on the interpreter, and anything that escaped
/// it, runs under the same filter runc would put around an ELF binary.
public enum SeccompFilter {
    public static func load(_ profile: SeccompProfile) throws {
        guard let context = wr_seccomp_new(profile.defaultAction) else {
            throw RuntimeError("linux.seccomp: libseccomp could not make a filter")
        }
        defer { wr_seccomp_free(context) }
        for architecture in profile.architectures {
            let result = wr_seccomp_add_arch(context, architecture)
            guard result == 0 else {
                throw RuntimeError("linux.seccomp.architectures: \(architecture): \(describe(result))")
            }
        }
        for rule in profile.filterRules {
            let arguments = rule.conditions.map {
                wr_seccomp_arg(index: $0.index, op: $0.op, value: $0.value, value_two: $0.valueTwo)
            }
            for name in rule.names {
                let result = arguments.withUnsafeBufferPointer {
                    wr_seccomp_add_rule(context, name, rule.action, UInt32($0.count), $0.baseAddress)
                }
                // 1: a syscall this kernel and libseccomp do not know; runc skips it too.
                guard result >= 0 else {
                    throw RuntimeError("linux.seccomp: rule for \(name): \(describe(result))")
                }
            }
        }
        let result = wr_seccomp_load(context, profile.logsDenials ? 1 : 0)
        guard result == 0 else { throw RuntimeError("linux.seccomp: load the filter: \(describe(result))") }
    }

    private static func describe(_ negativeErrno: Int32) -> String { String(cString: strerror(-negativeErrno)) }
}

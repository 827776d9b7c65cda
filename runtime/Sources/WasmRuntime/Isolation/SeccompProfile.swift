/// linux.seccomp as runc reads it: the default action, architectures and per-syscall rules,
/// each action translated to libseccomp's number. What wasm-runc cannot honour (a notify
/// listener, an unknown action, operator or flag) is refused naming the field, never dropped.
public struct SeccompProfile: Equatable {
    public struct Condition: Equatable {
        public let index: UInt32
        /// libseccomp's enum scmp_compare.
        public let op: Int32
        public let value: UInt64
        public let valueTwo: UInt64

        public init(index: UInt32, op: Int32, value: UInt64, valueTwo: UInt64) {
            (self.index, self.op, self.value, self.valueTwo) = (index, op, value, valueTwo)
        }
    }

    public struct Rule: Equatable {
        public let names: [String]
        public let action: UInt32
        public let conditions: [Condition]

        public init(names: [String], action: UInt32, conditions: [Condition]) {
            (self.names, self.action, self.conditions) = (names, action, conditions)
        }
    }

    public let defaultAction: UInt32
    public let architectures: [String]
    public let rules: [Rule]
    /// SECCOMP_FILTER_FLAG_LOG.
    public let logsDenials: Bool

    static let compareOperators: [String: Int32] = [
        "SCMP_CMP_NE": 1, "SCMP_CMP_LT": 2, "SCMP_CMP_LE": 3, "SCMP_CMP_EQ": 4, "SCMP_CMP_GE": 5, "SCMP_CMP_GT": 6,
        "SCMP_CMP_MASKED_EQ": 7,
    ]

    /// Flags runc accepts. TSYNC changes nothing for a process that loads its filter before it
    /// starts any thread; SPEC_ALLOW is a speculation-mitigation hint the filter works without.
    static let acceptedFlags: Set<String> = [
        "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
    ]

    /// libseccomp's action value for an OCI action name; errno and trace carry `errnoRet`.
    static func action(_ name: String, errnoRet: Int64?, field: String) throws -> UInt32 {
        let errno = UInt32(truncatingIfNeeded: errnoRet ?? 1) & 0xffff // EPERM unless the profile says
        switch name {
        case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD": return 0x0000_0000
        case "SCMP_ACT_KILL_PROCESS": return 0x8000_0000
        case "SCMP_ACT_TRAP": return 0x0003_0000
        case "SCMP_ACT_ERRNO": return 0x0005_0000 | errno
        case "SCMP_ACT_TRACE": return 0x7ff0_0000 | errno
        case "SCMP_ACT_LOG": return 0x7ffc_0000
        case "SCMP_ACT_ALLOW": return 0x7fff_0000
        case "SCMP_ACT_NOTIFY":
            throw RuntimeError(
                "\(field): SCMP_ACT_NOTIFY needs a seccomp agent, which wasm-runc does not support; use another action")
        default:
            throw RuntimeError("\(field): unknown seccomp action \(name)")
        }
    }

    public init(defaultAction: UInt32, architectures: [String], rules: [Rule], logsDenials: Bool = false) {
        self.defaultAction = defaultAction
        self.architectures = architectures
        self.rules = rules
        self.logsDenials = logsDenials
    }

    public init(config: JSON) throws {
        let field = "linux.seccomp"
        if case .object(let members) = config {
            let known = ["defaultAction", "defaultErrnoRet", "architectures", "flags", "syscalls"]
            for key in members.keys where !known.contains(key) {
                throw RuntimeError("\(field).\(key) is not supported by wasm-runc; remove it from the profile")
            }
        }
        guard let defaultName = config["defaultAction"]?.string else {
            throw RuntimeError("\(field).defaultAction is missing")
        }
        defaultAction = try Self.action(
            defaultName, errnoRet: config["defaultErrnoRet"]?.int64,
            field: "\(field).defaultAction")
        architectures = try (config["architectures"]?.array ?? []).map { entry in
            guard let name = entry.string, name.hasPrefix("SCMP_ARCH_") else {
                throw RuntimeError("\(field).architectures: \(entry.serialized) is not an SCMP_ARCH_ name")
            }
            return name.dropFirst("SCMP_ARCH_".count).lowercased()
        }
        var logs = false
        for flag in config["flags"]?.array?.compactMap(\.string) ?? [] {
            guard Self.acceptedFlags.contains(flag) else {
                throw RuntimeError("\(field).flags: \(flag) is not supported by wasm-runc")
            }
            if flag == "SECCOMP_FILTER_FLAG_LOG" { logs = true }
        }
        logsDenials = logs
        rules = try (config["syscalls"]?.array ?? []).enumerated().map { index, entry in
            let ruleField = "\(field).syscalls[\(index)]"
            guard let actionName = entry["action"]?.string else { throw RuntimeError("\(ruleField).action is missing") }
            let action = try Self.action(
                actionName, errnoRet: entry["errnoRet"]?.int64,
                field: "\(ruleField).action")
            let conditions = try (entry["args"]?.array ?? []).map { argument -> Condition in
                guard let index = argument["index"]?.int64, (0..<6).contains(index) else {
                    throw RuntimeError("\(ruleField).args: index must be 0-5")
                }
                guard let name = argument["op"]?.string, let op = Self.compareOperators[name] else {
                    let given = argument["op"]?.serialized ?? "null"
                    throw RuntimeError("\(ruleField).args: unknown operator \(given)")
                }
                return Condition(
                    index: UInt32(index), op: op, value: Self.datum(argument["value"]),
                    valueTwo: Self.datum(argument["valueTwo"]))
            }
            let names = entry["names"]?.array?.compactMap(\.string) ?? []
            return Rule(names: names, action: action, conditions: conditions)
        }
    }

    /// Argument values are unsigned 64-bit; JSON numbers above 2^53 arrive rounded, as in runc's
    /// Go decoder they do not (profiles use small values and masks).
    static func datum(_ value: JSON?) -> UInt64 {
        guard let number = value?.number, number >= 0 else { return 0 }
        return number >= 0x1p64 ? .max : UInt64(number)
    }

    /// The rules as libseccomp takes them: a rule whose action is the default is left out (it
    /// changes nothing, and libseccomp refuses it), and conditions on one argument index become
    /// rules of their own, as runc makes them (libseccomp ANDs a rule's conditions and allows
    /// one per argument).
    public var filterRules: [Rule] {
        rules.filter { $0.action != defaultAction }.flatMap { rule -> [Rule] in
            let indices = rule.conditions.map(\.index)
            guard Set(indices).count < indices.count else { return [rule] }
            return rule.conditions.map { Rule(names: rule.names, action: rule.action, conditions: [$0]) }
        }
    }
}

/// The parts of an OCI config.json that make a process a container: namespaces, mounts,
/// credentials, limits. wasm-runc honours each of them as runc does, or refuses the bundle
/// naming the field (``unsupportedFields``): nothing is silently dropped.
public struct LinuxSpec: Equatable {
    public struct Namespace: Equatable {
        public let type: String
        /// Join the namespace at this path; nil: a new one.
        public let path: String?
    }

    public struct Mount: Equatable {
        public let destination: String
        public let type: String
        public let source: String
        public let options: [String]
    }

    public struct User: Equatable {
        public var uid: UInt32 = 0
        public var gid: UInt32 = 0
        public var additionalGids: [UInt32] = []

        public init(uid: UInt32 = 0, gid: UInt32 = 0, additionalGids: [UInt32] = []) {
            self.uid = uid
            self.gid = gid
            self.additionalGids = additionalGids
        }
    }

    public struct Capabilities: Equatable {
        public var bounding: [String] = []
        public var effective: [String] = []
        public var permitted: [String] = []
        public var inheritable: [String] = []
        public var ambient: [String] = []

        public init(
            bounding: [String] = [], effective: [String] = [], permitted: [String] = [], inheritable: [String] = [],
            ambient: [String] = []
        ) {
            self.bounding = bounding
            self.effective = effective
            self.permitted = permitted
            self.inheritable = inheritable
            self.ambient = ambient
        }
    }

    public struct Rlimit: Equatable {
        public let type: String
        public let hard: UInt64
        public let soft: UInt64

        public init(type: String, hard: UInt64, soft: UInt64) {
            self.type = type
            self.hard = hard
            self.soft = soft
        }
    }

    public struct Device: Equatable {
        public let path: String
        public let type: String
        public let major: Int64
        public let minor: Int64
        public let fileMode: UInt32
        public let uid: UInt32
        public let gid: UInt32
    }

    public struct DeviceRule: Equatable {
        public let allow: Bool
        public let type: String
        public let major: Int64?
        public let minor: Int64?
        public let access: String

        public init(allow: Bool, type: String, major: Int64?, minor: Int64?, access: String) {
            self.allow = allow
            self.type = type
            self.major = major
            self.minor = minor
            self.access = access
        }
    }

    public struct Resources: Equatable {
        public var memoryLimit: Int64?
        public var memorySwap: Int64?
        public var cpuShares: UInt64?
        public var cpuQuota: Int64?
        public var cpuPeriod: UInt64?
        public var cpusetCpus: String?
        public var cpusetMems: String?
        public var pidsLimit: Int64?
        public var devices: [DeviceRule] = []

        public init() {}

        init(json resources: JSON) {
            memoryLimit = resources["memory"]?["limit"]?.int64.flatMap { $0 > 0 ? $0 : nil }
            memorySwap = resources["memory"]?["swap"]?.int64.flatMap { $0 != 0 ? $0 : nil }
            cpuShares = resources["cpu"]?["shares"]?.int64.flatMap { $0 > 0 ? UInt64($0) : nil }
            cpuQuota = resources["cpu"]?["quota"]?.int64.flatMap { $0 != 0 ? $0 : nil }
            cpuPeriod = resources["cpu"]?["period"]?.int64.flatMap { $0 > 0 ? UInt64($0) : nil }
            cpusetCpus = resources["cpu"]?["cpus"]?.string.flatMap { $0.isEmpty ? nil : $0 }
            cpusetMems = resources["cpu"]?["mems"]?.string.flatMap { $0.isEmpty ? nil : $0 }
            pidsLimit = resources["pids"]?["limit"]?.int64.flatMap { $0 != 0 ? $0 : nil }
            devices = (resources["devices"]?.array ?? []).map { rule in
                DeviceRule(
                    allow: rule["allow"]?.bool ?? false, type: rule["type"]?.string ?? "a", major: rule["major"]?.int64,
                    minor: rule["minor"]?.int64, access: rule["access"]?.string ?? "rwm")
            }
        }
    }

    public var namespaces: [Namespace] = []
    public var mounts: [Mount] = []
    public var user = User()
    public var capabilities: Capabilities?
    public var noNewPrivileges = false
    public var rlimits: [Rlimit] = []
    public var oomScoreAdj: Int?
    public var readonlyRoot = false
    public var hostname: String?
    public var devices: [Device] = []
    public var resources = Resources()
    public var maskedPaths: [String] = []
    public var readonlyPaths: [String] = []
    public var rootfsPropagation: String?
    public var seccomp: SeccompProfile?
    /// Dotted names of fields present in the config that wasm-runc cannot honour.
    public var unsupportedFields: [String] = []

    public init() {}

    public init(config: JSON) {
        let process = config["process"], linux = config["linux"]
        namespaces = Self.namespaces(linux)
        mounts = Self.mounts(config)
        readProcess(process)
        readonlyRoot = config["root"]?["readonly"]?.bool ?? false
        hostname = config["hostname"]?.string.flatMap { $0.isEmpty ? nil : $0 }
        devices = Self.devices(linux)
        if let resources = linux?["resources"] { self.resources = Resources(json: resources) }
        maskedPaths = linux?["maskedPaths"]?.array?.compactMap(\.string) ?? []
        readonlyPaths = linux?["readonlyPaths"]?.array?.compactMap(\.string) ?? []
        rootfsPropagation = linux?["rootfsPropagation"]?.string.flatMap { $0.isEmpty ? nil : $0 }
        if let profile = linux?["seccomp"], Self.isSet(profile) {
            do { seccomp = try SeccompProfile(config: profile) } catch { unsupportedFields.append("\(error)") }
        }
        unsupportedFields = unsupported(process: process) + unsupportedFields
        // runc's reading: what is not known to be honoured is refused, by name.
        unsupportedFields += SpecFields.unknown(in: config)
    }

    static func namespaces(_ linux: JSON?) -> [Namespace] {
        (linux?["namespaces"]?.array ?? []).compactMap { entry in
            entry["type"]?.string.map {
                Namespace(type: $0, path: entry["path"]?.string.flatMap { $0.isEmpty ? nil : $0 })
            }
        }
    }

    static func mounts(_ config: JSON) -> [Mount] {
        (config["mounts"]?.array ?? []).compactMap { entry in
            guard let destination = entry["destination"]?.string else { return nil }
            return Mount(
                destination: destination, type: entry["type"]?.string ?? "", source: entry["source"]?.string ?? "",
                options: entry["options"]?.array?.compactMap(\.string) ?? [])
        }
    }

    static func devices(_ linux: JSON?) -> [Device] {
        (linux?["devices"]?.array ?? []).compactMap { entry in
            guard let path = entry["path"]?.string, let type = entry["type"]?.string else { return nil }
            return Device(
                path: path, type: type, major: entry["major"]?.int64 ?? 0, minor: entry["minor"]?.int64 ?? 0,
                fileMode: UInt32(entry["fileMode"]?.int64 ?? 0o666), uid: UInt32(entry["uid"]?.int64 ?? 0),
                gid: UInt32(entry["gid"]?.int64 ?? 0))
        }
    }

    /// The process's user, capabilities, privileges and limits.
    mutating func readProcess(_ process: JSON?) {
        if let user = process?["user"] {
            self.user.uid = UInt32(user["uid"]?.int64 ?? 0)
            self.user.gid = UInt32(user["gid"]?.int64 ?? 0)
            self.user.additionalGids = (user["additionalGids"]?.array ?? []).compactMap { $0.int64.map { UInt32($0) } }
        }
        if let caps = process?["capabilities"] {
            func names(_ key: String) -> [String] { caps[key]?.array?.compactMap(\.string) ?? [] }
            capabilities = Capabilities(
                bounding: names("bounding"), effective: names("effective"), permitted: names("permitted"),
                inheritable: names("inheritable"), ambient: names("ambient"))
        }
        noNewPrivileges = process?["noNewPrivileges"]?.bool ?? false
        rlimits = (process?["rlimits"]?.array ?? []).compactMap { entry in
            guard let type = entry["type"]?.string else { return nil }
            return Rlimit(
                type: type, hard: UInt64(clamping: entry["hard"]?.int64 ?? 0),
                soft: UInt64(clamping: entry["soft"]?.int64 ?? 0))
        }
        oomScoreAdj = process?["oomScoreAdj"]?.int64.map { Int($0) }
    }

    /// Fields read above whose values wasm-runc cannot honour.
    func unsupported(process: JSON?) -> [String] {
        var fields: [String] = []
        if let propagation = rootfsPropagation, !["private", "rprivate", "slave", "rslave"].contains(propagation) {
            fields.append("linux.rootfsPropagation=\(propagation)")
        }
        for mount in mounts {
            let options = MountOptions(mount.options)
            if options.isBind && !options.data.isEmpty {
                fields.append("mounts[\(mount.destination)].options \(options.data.joined(separator: ","))")
            }
        }
        for namespace in namespaces where !Self.supportedNamespaces.contains(namespace.type) {
            fields.append("linux.namespaces[type=\(namespace.type)]")
        }
        for mount in mounts where mount.type.isEmpty && !MountOptions(mount.options).isBind {
            fields.append("mounts[\(mount.destination)].type")
        }
        if process?["terminal"]?.bool == true { fields.append("process.terminal") }
        return fields
    }

    /// user and time namespaces need id mappings and clocks that wasm-runc does not set up.
    static let supportedNamespaces: Set<String> = ["pid", "network", "ipc", "uts", "mount", "cgroup"]

    /// Present with content: a non-empty object or array, a string, number or true.
    static func isSet(_ value: JSON?) -> Bool {
        switch value {
        case nil, .null?: return false
        case .object(let members)?: return !members.isEmpty
        case .array(let items)?: return !items.isEmpty
        case .bool(let flag)?: return flag
        case .string(let text)?: return !text.isEmpty
        case .number?: return true
        }
    }

    /// Fails naming the first field wasm-runc cannot honour.
    public func requireSupported(bundle: String) throws {
        guard unsupportedFields.isEmpty else {
            throw RuntimeError(
                "bundle \(bundle): wasm-runc cannot honour \(unsupportedFields.joined(separator: ", ")) for a wasm "
                    + "instance; remove it from the pod spec or run the workload under runc"
            )
        }
    }
}

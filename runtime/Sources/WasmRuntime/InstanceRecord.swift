#if canImport(Glibc)
import Glibc
#endif

/// A wasm instance's record under the runtime's --root, kept apart from runc's own
/// (<root>/.wasm/<id>) so that whether an id is ours is a directory lookup.
public struct InstanceRecord {
    public let id: String
    public let bundle: String
    public let rootfs: String
    public let created: String
    public var pid: Int32
    public var pidStartTime: UInt64
    public let cgroupsPath: String?
    public let annotations: [String: String]

    public enum Status: String { case created, running, stopped }

    public static func directory(root: String, id: String) -> String { root + "/.wasm/" + id }
    /// An id that is not a valid container id names no instance (and builds no path).
    public static func isOurs(root: String, id: String) -> Bool {
        (try? ContainerIdentifiers.validateID(id)) != nil && Posix.exists(directory(root: root, id: id) + "/state.json")
    }

    public static func execFIFO(root: String, id: String) -> String { directory(root: root, id: id) + "/exec.fifo" }

    public init(id: String, bundle: OCIBundle, pid: Int32, pidStartTime: UInt64) {
        self.id = id
        self.bundle = bundle.path
        self.rootfs = bundle.rootfs
        self.created = Posix.rfc3339Now()
        self.pid = pid
        self.pidStartTime = pidStartTime
        self.cgroupsPath = bundle.cgroupsPath
        self.annotations = bundle.annotations
    }

    public static func load(root: String, id: String) throws -> InstanceRecord {
        let path = directory(root: root, id: id) + "/state.json"
        // containerd's shim matches "does not exist" to treat a container as gone; a state file
        // that is there but unreadable is another matter and must say so.
        guard Posix.exists(path) else { throw RuntimeError("container \(id) does not exist") }
        let json: JSON
        do {
            json = try JSON.parse(try Posix.readText(path))
        } catch {
            throw RuntimeError(
                "state of wasm instance \(id) is corrupt (\(path): \(error)); remove it with `wasm-runc --root "
                    + "\(root) delete --force \(id)`"
            )
        }
        guard let pid = json["pid"]?.int64, pid > 0, json["bundle"]?.string != nil else {
            throw RuntimeError(
                "state of wasm instance \(id) is corrupt (\(path): no pid or bundle); remove it with `wasm-runc "
                    + "--root \(root) delete --force \(id)`"
            )
        }
        return InstanceRecord(json: json, id: id)
    }

    private init(json: JSON, id: String) {
        self.id = id
        bundle = json["bundle"]?.string ?? ""
        rootfs = json["rootfs"]?.string ?? ""
        created = json["created"]?.string ?? ""
        pid = Int32(json["pid"]?.int64 ?? 0)
        pidStartTime = UInt64(json["pidStartTime"]?.int64 ?? 0)
        cgroupsPath = json["cgroupsPath"]?.string
        var annotations: [String: String] = [:]
        if case .object(let members)? = json["annotations"] {
            for (key, value) in members { annotations[key] = value.string }
        }
        self.annotations = annotations
    }

    public func save(root: String) throws {
        var members: [String: JSON] = [
            "bundle": .string(bundle), "rootfs": .string(rootfs), "created": .string(created),
            "pid": .number(Double(pid)), "pidStartTime": .number(Double(pidStartTime)),
            "annotations": .object(annotations.mapValues { .string($0) }),
        ]
        if let cgroupsPath { members["cgroupsPath"] = .string(cgroupsPath) }
        try Posix.writeFile(
            Self.directory(root: root, id: id) + "/state.json", JSON.object(members).serialized, atomically: true)
    }

    /// Whether the instance process is still ours and alive (not reaped, pid not recycled).
    public var isAlive: Bool {
        Posix.isAlive(pid) && (pidStartTime == 0 || Posix.startTime(of: pid) == pidStartTime)
    }

    public func status(root: String) -> Status {
        guard isAlive else { return .stopped }
        return Posix.exists(Self.execFIFO(root: root, id: id)) ? .created : .running
    }

    /// runc's `state` output, which containerd's shim parses.
    public func runcStateJSON(root: String) -> String {
        let status = status(root: root)
        return JSON.object([
            "ociVersion": .string("1.0.2"),
            "id": .string(id),
            "pid": .number(Double(status == .stopped ? 0 : pid)),
            "status": .string(status.rawValue),
            "bundle": .string(bundle),
            "rootfs": .string(rootfs),
            "created": .string(created),
            "owner": .string(""),
            "annotations": .object(annotations.mapValues { .string($0) }),
        ]).serialized
    }
}

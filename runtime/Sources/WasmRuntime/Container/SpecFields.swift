/// The config.json fields wasm-runc honours, as a tree. A field outside it that carries a value
/// (a non-empty object, array or string, a number, true) is refused by its dotted name, so a
/// field a newer runtime-spec adds is never passed over in silence. Values of known fields
/// (a terminal asked for, a namespace type) are checked where they are read, in LinuxSpec.
public indirect enum SpecFields {
    case any
    case object([String: SpecFields])
    case array(SpecFields)

    static let capabilities = SpecFields.object(
        ["bounding": .any, "effective": .any, "inheritable": .any, "permitted": .any, "ambient": .any])

    public static let honoured = SpecFields.object([
        "ociVersion": .any,
        "hostname": .any,
        "annotations": .any,
        "root": .object(["path": .any, "readonly": .any]),
        "mounts": .array(.object(["destination": .any, "type": .any, "source": .any, "options": .any])),
        "process": .object([
            "terminal": .any, "args": .any, "env": .any, "cwd": .any, "noNewPrivileges": .any, "oomScoreAdj": .any,
            "user": .object(["uid": .any, "gid": .any, "additionalGids": .any]),
            "capabilities": capabilities,
            "rlimits": .array(.object(["type": .any, "hard": .any, "soft": .any])),
        ]),
        "linux": .object([
            "namespaces": .array(.object(["type": .any, "path": .any])),
            "devices": .array(
                .object([
                    "path": .any, "type": .any, "major": .any, "minor": .any, "fileMode": .any, "uid": .any,
                    "gid": .any,
                ])),
            "cgroupsPath": .any,
            "rootfsPropagation": .any,
            // Its own fields are checked by SeccompProfile, which names them.
            "seccomp": .any,
            "maskedPaths": .any,
            "readonlyPaths": .any,
            "resources": .object([
                "devices": .array(
                    .object(["allow": .any, "type": .any, "major": .any, "minor": .any, "access": .any])),
                "memory": .object(["limit": .any, "swap": .any]),
                "cpu": .object(["shares": .any, "quota": .any, "period": .any, "cpus": .any, "mems": .any]),
                "pids": .object(["limit": .any]),
            ]),
        ]),
    ])

    /// Dotted names of the fields of `config` outside `honoured` that carry a value.
    public static func unknown(in config: JSON, _ shape: SpecFields = honoured, path: String = "") -> [String] {
        switch (shape, config) {
        case (.any, _):
            return []
        case (.object(let known), .object(let members)):
            return members.keys.sorted().flatMap { key -> [String] in
                let name = path.isEmpty ? key : "\(path).\(key)"
                guard let inner = known[key] else { return LinuxSpec.isSet(members[key]) ? [name] : [] }
                return unknown(in: members[key]!, inner, path: name)
            }
        case (.array(let element), .array(let items)):
            return items.enumerated().flatMap { unknown(in: $1, element, path: "\(path)[\($0)]") }
        default:
            return []
        }
    }
}

/// A side as the command line names it: `NAME=HANDLER`, or `NAME=HANDLER:FAMILY` where FAMILY
/// (oci or wasm) says which images it runs; without it a handler whose name says wasm runs the
/// wasm modules and any other runs busybox.
public struct SideSpec: Sendable, Equatable {
    public let kind: WorkloadKind
    public let handler: String
    public let family: WorkloadFamily

    public init(kind: WorkloadKind, handler: String, family: WorkloadFamily) {
        self.kind = kind
        self.handler = handler
        self.family = family
    }

    public init(parsing text: String) throws {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
            throw BenchError(
                "--side '\(text)' is not NAME=HANDLER[:oci|wasm] (for example crun=crun, or candidate=wasm-next:wasm)")
        }
        kind = try WorkloadKind.validated(String(text[..<equals]))
        var rest = String(text[text.index(after: equals)...])
        var family: WorkloadFamily?
        if let colon = rest.lastIndex(of: ":") {
            let name = String(rest[rest.index(after: colon)...])
            guard let given = WorkloadFamily(rawValue: name) else {
                throw BenchError("--side '\(text)': image family '\(name)' is neither oci nor wasm")
            }
            family = given
            rest = String(rest[..<colon])
        }
        guard !rest.isEmpty, rest.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else {
            throw BenchError("--side '\(text)' names no runtime handler")
        }
        handler = rest
        self.family = family ?? .guess(handler: rest)
    }

    /// Sides must have names of their own: the name is the key of every figure.
    public static func parseAll(_ texts: [String]) throws -> [SideSpec] {
        let specs = try texts.map(SideSpec.init(parsing:))
        var seen = Set<WorkloadKind>()
        for spec in specs where !seen.insert(spec.kind).inserted {
            throw BenchError("--side \(spec.kind) is given twice; give each side a name of its own")
        }
        return specs
    }
}

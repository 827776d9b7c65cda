/// Which side of the comparison a measurement belongs to: a name the user gives (`oci`, `wasm`,
/// `crun`, `candidate`…), the `/kind=` of every benchmark line and the last part of every
/// op key. Encoded as the bare string, as the two fixed sides were.
public struct WorkloadKind: RawRepresentable, Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    public static let oci = WorkloadKind(rawValue: "oci")
    public static let wasm = WorkloadKind(rawValue: "wasm")

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { rawValue }

    /// Lower-case letters, digits and '-', starting with a letter: it goes into op keys, file
    /// names and benchstat's name/value pairs.
    public static func validated(_ name: String) throws -> WorkloadKind {
        let bytes = Array(name.utf8)
        let valid =
            (1...32).contains(bytes.count) && (0x61...0x7a).contains(bytes[0])
            && bytes.allSatisfy { (0x61...0x7a).contains($0) || (0x30...0x39).contains($0) || $0 == UInt8(ascii: "-") }
        guard valid else {
            throw BenchError(
                "side name '\(name)' is not valid: use 1-32 lower-case letters, digits and '-', starting with a letter")
        }
        return WorkloadKind(rawValue: name)
    }
}

/// Which images a side runs: busybox under an OCI runtime, or CRIBench's wasm modules.
public enum WorkloadFamily: String, Sendable, Codable, CaseIterable {
    case oci, wasm

    /// A handler whose name says wasm runs modules, as the test script decides.
    public static func guess(handler: String) -> WorkloadFamily { handler.contains("wasm") ? .wasm : .oci }
}

/// One side of the comparison: what to run and with which runtime handler.
public struct Workload: Sendable, Codable, Equatable {
    public let kind: WorkloadKind
    /// The image the image-lifecycle flow pulls and removes.
    public let image: String
    /// The image of the long-running workload the container and end-to-end flows run.
    public let idleImage: String
    /// Command overriding the idle image's entrypoint (empty: the image's own).
    public let idleCommand: [String]
    public let runtimeHandler: String
    /// Annotations of the image flow's ImageSpec: a module's `wasm.module.url`, for a runtime
    /// that resolves modules by URL itself (the containerd 1.6 wasm fork).
    public var imageAnnotations: [String: String]?

    public init(
        kind: WorkloadKind, image: String, idleImage: String, idleCommand: [String], runtimeHandler: String,
        imageAnnotations: [String: String]? = nil
    ) {
        self.kind = kind
        self.image = image
        self.idleImage = idleImage
        self.idleCommand = idleCommand
        self.runtimeHandler = runtimeHandler
        self.imageAnnotations = imageAnnotations
    }

    /// busybox under runc: a shell that prints a line and waits, leaving at once on SIGTERM
    /// (so StopContainer measures the runtime, not a grace period). The shell waits with the
    /// `wait` builtin, which a trapped signal interrupts; a foreground `sleep` would hold the
    /// trap back until it ends.
    public static func defaultOCI(handler: String = "runc", kind: WorkloadKind = .oci) -> Workload {
        Workload(
            kind: kind, image: NodeSettings.current.busyboxImage, idleImage: NodeSettings.current.busyboxImage,
            idleCommand: ["sh", "-c", "echo ready; trap 'exit 0' TERM; while :; do sleep 3600 & wait $!; done"],
            runtimeHandler: handler)
    }

    /// CRIBench's wasm modules under the `wasm` handler: the wasi example for the image flow,
    /// the idle module (prints a line, then sleeps in poll_oneoff) for the others.
    public static func defaultWasm(handler: String = "wasm", kind: WorkloadKind = .wasm) -> Workload {
        Workload(
            kind: kind, image: NodeSettings.current.wasmImage("wasi-example"),
            idleImage: NodeSettings.current.wasmImage("idle"),
            idleCommand: [], runtimeHandler: handler)
    }
}

extension Workload {
    /// A side of `family` named `kind` under `handler`, with the family's default images.
    public static func side(_ kind: WorkloadKind, handler: String, family: WorkloadFamily) -> Workload {
        switch family {
        case .oci: return defaultOCI(handler: handler, kind: kind)
        case .wasm: return defaultWasm(handler: handler, kind: kind)
        }
    }
}

/// Which side of the comparison a measurement belongs to.
public enum WorkloadKind: String, Codable, Sendable, CaseIterable, Comparable {
    case oci
    case wasm

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
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
    /// that resolves modules by URL itself (the seeds' fork).
    public var imageAnnotations: [String: String]?

    public init(kind: WorkloadKind, image: String, idleImage: String, idleCommand: [String], runtimeHandler: String,
                imageAnnotations: [String: String]? = nil) {
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
    public static func defaultOCI(handler: String = "runc") -> Workload {
        Workload(kind: .oci, image: NodeSettings.current.busyboxImage, idleImage: NodeSettings.current.busyboxImage,
                 idleCommand: ["sh", "-c", "echo ready; trap 'exit 0' TERM; while :; do sleep 3600 & wait $!; done"],
                 runtimeHandler: handler)
    }

    /// CRIBench's wasm modules under the `wasm` handler: the wasi example for the image flow,
    /// the idle module (prints a line, then sleeps in poll_oneoff) for the others.
    public static func defaultWasm(handler: String = "wasm") -> Workload {
        Workload(kind: .wasm, image: NodeSettings.current.wasmImage("wasi-example"), idleImage: NodeSettings.current.wasmImage("idle"),
                 idleCommand: [], runtimeHandler: handler)
    }
}

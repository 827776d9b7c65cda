/// What makes two runs comparable: the same CPU model and count, kernel, runtime and version,
/// and runtime handlers. A baseline belongs to one fingerprint; the gate compares a run only
/// with runs of its own.
public struct MachineFingerprint: Codable, Sendable, Hashable, CustomStringConvertible {
    public var cpu: String
    public var cpuCount: Int
    public var kernel: String
    public var runtime: String
    /// Side → runtime handler, e.g. oci → runc, wasm → wasm.
    public var handlers: [String: String]

    public init(cpu: String, cpuCount: Int, kernel: String, runtime: String, handlers: [String: String]) {
        self.cpu = cpu
        self.cpuCount = cpuCount
        self.kernel = kernel
        self.runtime = runtime
        self.handlers = handlers
    }

    public init(_ environment: ResultSet.Environment) {
        self.init(
            cpu: environment.cpu, cpuCount: environment.cpuCount, kernel: environment.kernel ?? "unknown",
            runtime: environment.runtime, handlers: environment.handlers)
    }

    /// One line a person reads: "AMD EPYC 7B13, 2 CPUs, kernel 6.1.0, containerd v1.6.20, oci=runc wasm=wasm".
    public var description: String {
        let handlerList = handlers.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        return "\(cpu), \(cpuCount) CPUs, kernel \(kernel), \(runtime), \(handlerList)"
    }

    /// A short stable name for directories: "m-" and 16 hex digits of a 64-bit FNV-1a hash of
    /// the description (Swift's Hasher is seeded per process, so it cannot serve).
    public var id: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in description.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return "m-" + String(repeating: "0", count: 16 - hex.count) + hex
    }
}

#if canImport(Glibc)
import Glibc
#endif
import WasmRuntime

/// The shim's diagnostics: one line each, with a time and a level, on its standard error
/// (the serving shim's is a log file beside its socket).
public struct ShimLog {
    public var debug = false

    public init() {}

    public func info(_ message: String) { write("info", message) }
    public func error(_ message: String) { write("error", message) }
    public func trace(_ message: String) { if debug { write("debug", message) } }

    private func write(_ level: String, _ message: String) {
        _ = try? Posix.writeAll(
            2, Array("\(Posix.rfc3339Now()) \(level) cribench-wasm-shim: \(message)\n".utf8),
            what: "log")
    }
}

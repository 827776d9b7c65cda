#if canImport(Glibc)
import Glibc
#endif

/// runc's --log/--log-format json: one JSON object per line. containerd's shim reads the last
/// error-level line of this file and puts it in the error CRI returns, so that is where a
/// failure must be explained.
public struct RuntimeLog {
    public let path: String?
    public let json: Bool

    public init(path: String?, json: Bool) {
        self.path = path
        self.json = json
    }

    public func error(_ message: String) { write(level: "error", message) }
    public func warning(_ message: String) { write(level: "warning", message) }

    private func write(level: String, _ message: String) {
        let line: String
        if json {
            line =
                JSON.object(["level": .string(level), "msg": .string(message), "time": .string(Posix.rfc3339Now())])
                .serialized + "\n"
        } else {
            line = "wasm-runc: \(level): \(message)\n"
        }
        if let path, (try? Posix.writeFile(path, line, append: true)) != nil { return }
        _ = try? Posix.writeAll(2, Array(line.utf8), what: "stderr")
    }
}

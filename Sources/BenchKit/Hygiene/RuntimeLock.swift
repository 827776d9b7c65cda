#if canImport(Glibc)
import Glibc
#endif
import CRIClient
import Foundation

/// One benchmark run per runtime at a time: two runs on one runtime disturb each other's
/// figures, and the image flow of one would remove images the other uses. The lock is flock(2)
/// on a file beside the runtime's socket (or in /tmp when that directory is not writable), so
/// it goes away with the process that held it, even after SIGKILL.
public final class RuntimeLock: Sendable {
    public let path: String
    private let descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    public static func path(for endpoint: CRIEndpoint) -> String {
        let socket = endpoint.socketPath
        let directory = socket.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        if access(directory.isEmpty ? "/" : directory, W_OK) == 0 { return socket + ".cribench.lock" }
        return "/tmp/cribench-" + socket.map { $0 == "/" ? "_" : $0 } + ".lock"
    }

    /// Takes the lock, or fails at once naming the run that holds it.
    public static func acquire(for endpoint: CRIEndpoint) throws -> RuntimeLock {
        let path = path(for: endpoint)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw BenchError("cannot open the run lock \(path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            var buffer = [UInt8](repeating: 0, count: 32)
            let count = read(fd, &buffer, buffer.count)
            close(fd)
            let holder =
                count > 0
                ? String(decoding: buffer[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                : "?"
            throw BenchError(
                "another CRIBench run (pid \(holder)) is benchmarking the runtime at \(endpoint); two runs on one "
                    + "runtime disturb each other's figures: wait for it to finish or stop it (lock \(path))"
            )
        }
        ftruncate(fd, 0)
        let pid = "\(getpid())\n"
        _ = pid.withCString { pwrite(fd, $0, strlen($0), 0) }
        return RuntimeLock(path: path, descriptor: fd)
    }
}

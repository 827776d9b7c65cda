#if canImport(Glibc)
import Glibc
#endif
import WasmRuntime

/// Where the node's one wasm shim listens: one socket per containerd (its address) and
/// namespace, under a directory only root may write, with the lock that serialises starting
/// and stopping it, and its log.
public struct ShimPaths {
    public static let directory = "/run/cribench-wasm-shim"
    /// Where the serving shim finds its listening socket, which `start` made.
    public static let listenerDescriptor: Int32 = 3

    public let socket: String
    public let lock: String
    public let log: String

    public init(containerdAddress: String, namespace: String) {
        // FNV-1a: a short stable name, not a secret (the inputs are containerd's own).
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in (containerdAddress + "|" + namespace).utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        var name = String(hash, radix: 16)
        name = String(repeating: "0", count: 16 - name.count) + name
        socket = Self.directory + "/" + name + ".sock"
        lock = Self.directory + "/" + name + ".lock"
        log = Self.directory + "/" + name + ".log"
    }

    public var address: String { "unix://" + socket }

    /// Makes the directory, or checks that the one there is root's and writable by root only.
    public static func prepareDirectory() throws {
        if mkdir(directory, 0o700) != 0 && errno != EEXIST { throw RuntimeError.errno("mkdir \(directory)") }
        var info = stat()
        guard lstat(directory, &info) == 0 else { throw RuntimeError.errno("stat \(directory)") }
        guard (info.st_mode & S_IFMT) == S_IFDIR, info.st_uid == 0, info.st_mode & 0o022 == 0 else {
            throw RuntimeError("\(directory) is not a directory owned by root and writable by root only; remove it")
        }
    }

    /// Holds the lock until the returned descriptor is closed.
    public func acquireLock() throws -> Int32 {
        let fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw RuntimeError.errno("open \(lock)") }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else {
                close(fd)
                throw RuntimeError.errno("lock \(lock)")
            }
        }
        return fd
    }
}

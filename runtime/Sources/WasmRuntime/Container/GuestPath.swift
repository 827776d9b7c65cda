#if canImport(Glibc)
import Glibc
#endif
import CSystemCalls

/// Paths inside a container's root, resolved as the container sees them: openat2 with
/// RESOLVE_IN_ROOT treats the rootfs as "/", so a symlink to /usr/bin/x or a path full of
/// ".." never reaches the host's file of that name.
public enum GuestPath {
    /// The largest module wasm-runc reads: a bigger file is refused, not parsed.
    public static let moduleSizeLimit = 256 << 20

    /// Opens `path` (absolute inside the container) in `rootfs`. Returns -1 with errno set.
    public static func open(_ path: String, in rootfs: String, flags: Int32, mode: mode_t = 0) -> Int32 {
        let root = Glibc.open(rootfs, WR_O_PATH | O_DIRECTORY | O_CLOEXEC)
        guard root >= 0 else { return -1 }
        defer { close(root) }
        return open(path, inRootDescriptor: root, flags: flags, mode: mode)
    }

    public static func open(_ path: String, inRootDescriptor root: Int32, flags: Int32, mode: mode_t = 0) -> Int32 {
        wr_openat2(
            root, path, UInt64(UInt32(bitPattern: flags | O_CLOEXEC)), UInt64(mode),
            UInt64(WR_RESOLVE_IN_ROOT | WR_RESOLVE_NO_MAGICLINKS))
    }

    /// Whether `path` names a regular file inside the container.
    public static func isRegularFile(_ path: String, in rootfs: String) -> Bool {
        let fd = open(path, in: rootfs, flags: WR_O_PATH)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var info = stat()
        return fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    /// Opens a regular file for reading: first as O_PATH, which opens no device, and only once
    /// fstat says it is a regular file, for reading through /proc/self/fd (an image could name
    /// a watchdog or tape device as its entrypoint; opening one has effects).
    public static func openRegularFile(_ located: Int32) -> Int32 {
        let fdDirectory = Glibc.open("/proc/self/fd", WR_O_PATH | O_DIRECTORY | O_CLOEXEC)
        guard fdDirectory >= 0 else { return -1 }
        defer { close(fdDirectory) }
        return openRegularFile(located, fdDirectory: fdDirectory)
    }

    /// The same through a descriptor of a /proc/self/fd directory (the instance's own, which
    /// stays usable after procfs is taken out of its view).
    public static func openRegularFile(_ located: Int32, fdDirectory: Int32) -> Int32 {
        var info = stat()
        guard located >= 0, fstat(located, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return -1 }
        return openat(fdDirectory, "\(located)", O_RDONLY | O_CLOEXEC)
    }

    /// The first `count` bytes of a regular file inside the container, or nil.
    public static func readPrefix(_ path: String, in rootfs: String, count: Int) -> [UInt8]? {
        let located = open(path, in: rootfs, flags: WR_O_PATH)
        defer { if located >= 0 { close(located) } }
        let fd = openRegularFile(located)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: count)
        let got = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, count) }
        return got >= 0 ? Array(buffer[0..<got]) : nil
    }

    /// Reads a module from an open descriptor: a regular file no larger than the limit.
    public static func readModule(_ fd: Int32, guestPath: String) throws -> [UInt8] {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw RuntimeError.errno("stat \(guestPath)") }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw RuntimeError("entrypoint \(guestPath) is not a regular file")
        }
        guard Int(info.st_size) <= moduleSizeLimit else {
            throw RuntimeError(
                "entrypoint \(guestPath) is \(info.st_size) bytes, more than wasm-runc's limit of \(moduleSizeLimit)")
        }
        return try Posix.readAll(fd, limit: moduleSizeLimit, what: guestPath)
    }

    /// "/a/b" + "c" → "/a/b/c".
    public static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}

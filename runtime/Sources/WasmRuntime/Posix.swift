#if canImport(Glibc)
import Glibc
#endif

/// An error from a system call or a runtime check, with a message that names the thing at fault.
public struct RuntimeError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }

    /// "<what>: <strerror(errno)>"
    public static func errno(_ what: String, _ code: Int32 = Glibc.errno) -> RuntimeError {
        RuntimeError("\(what): \(String(cString: strerror(code)))")
    }
}

extension String {
    /// Without trailing line breaks and spaces (what /proc and cgroupfs files end with).
    public var trimmingNewlines: String {
        var text = Substring(self)
        while let last = text.last, last.isNewline || last == " " { text.removeLast() }
        return String(text)
    }
}

/// Small wrappers over the POSIX calls the runtime needs, throwing ``RuntimeError``.
public enum Posix {
    public static func readFile(_ path: String, limit: Int = 64 << 20) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw RuntimeError.errno("open \(path)") }
        defer { close(fd) }
        return try readAll(fd, limit: limit, what: path)
    }

    /// Reads an open descriptor to its end, or to `limit` bytes.
    public static func readAll(_ fd: Int32, limit: Int, what path: String) throws -> [UInt8] {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while result.count < limit {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw RuntimeError.errno("read \(path)")
            }
            if count == 0 { break }
            result.append(contentsOf: buffer[0..<count])
        }
        return result
    }

    public static func readText(_ path: String) throws -> String {
        String(decoding: try readFile(path), as: UTF8.self)
    }

    /// The first `count` bytes of a file (fewer if it is shorter).
    public static func readPrefix(_ path: String, count: Int) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw RuntimeError.errno("open \(path)") }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: count)
        let got = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, count) }
        guard got >= 0 else { throw RuntimeError.errno("read \(path)") }
        return Array(buffer[0..<got])
    }

    /// Writes a whole file; with `atomically`, through a temporary file and rename.
    public static func writeFile(_ path: String, _ text: String, atomically: Bool = false, append: Bool = false) throws
    {
        let target = atomically ? path + ".tmp" : path
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC)
        let fd = open(target, flags, 0o644)
        guard fd >= 0 else { throw RuntimeError.errno("open \(target)") }
        try writeAll(fd, Array(text.utf8), what: target)
        close(fd)
        if atomically, rename(target, path) != 0 { throw RuntimeError.errno("rename \(target)") }
    }

    public static func writeAll(_ fd: Int32, _ bytes: [UInt8], what: String) throws {
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw RuntimeError.errno("write \(what)")
            }
            offset += count
        }
    }

    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    public static func makeDirectories(_ path: String, mode: mode_t = 0o711) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, mode) != 0 && errno != EEXIST { throw RuntimeError.errno("mkdir \(current)") }
        }
    }

    /// Removes a directory tree (files and subdirectories; no symlink is followed).
    public static func removeTree(_ path: String) {
        if let directory = opendir(path) {
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) {
                    String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
                }
                if name == "." || name == ".." { continue }
                let child = path + "/" + name
                var info = stat()
                if lstat(child, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
                    removeTree(child)
                } else {
                    unlink(child)
                }
            }
            closedir(directory)
        }
        rmdir(path)
    }

    public static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// Whether `pid` is a live process (a zombie awaiting its reaper counts as gone).
    public static func isAlive(_ pid: Int32) -> Bool {
        guard pid > 0, kill(pid, 0) == 0 || errno == EPERM else { return false }
        guard let stat = try? readText("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return true }
        let state = stat[stat.index(after: close)...].split(separator: " ").first
        return state != "Z" && state != "X"
    }

    /// The process's start time in clock ticks since boot (field 22 of /proc/PID/stat), to tell
    /// a recycled pid from ours.
    public static func startTime(of pid: Int32) -> UInt64? {
        guard let stat = try? readText("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? UInt64(fields[19]) : nil
    }

    /// Seconds and nanoseconds since the epoch, as RFC 3339 in UTC.
    public static func rfc3339Now() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(now.tv_nsec), 9))Z"
    }

    /// glibc's POSIX_SPAWN_SETSID, which Swift's Glibc module does not import.
    static let spawnNewSession: Int16 = 0x80

    /// posix_spawn of `program` with `arguments` (argv[0] included) and exactly `environment`,
    /// no blocked signal and every signal's default action (not whatever the spawning process
    /// blocks or ignores); `descriptors` are dup2'ed (source onto target) in the child. With
    /// `newSession`, the child leads a session of its own.
    public static func spawn(
        _ program: String, arguments: [String], environment: [String] = [],
        descriptors: [(source: Int32, target: Int32)], newSession: Bool = false
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (source, target) in descriptors { posix_spawn_file_actions_adddup2(&actions, source, target) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        let flags = Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF) | (newSession ? spawnNewSession : 0)
        posix_spawnattr_setflags(&attributes, flags)
        var pid: pid_t = 0
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        let spawned = posix_spawn(&pid, program, &actions, &attributes, argv, envp)
        guard spawned == 0 else { throw RuntimeError.errno("spawn \(program)", spawned) }
        return pid
    }

    /// This process's own executable (/proc/self/exe), nil if it cannot be read.
    public static func ownExecutable() -> String? {
        var buffer = [Int8](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

#if canImport(Glibc)
import Glibc
#endif
import WasmRuntime

/// Runs this build's wasm-runc binary on hand-made bundles, as containerd's shim would, and
/// looks at what it leaves on the host.
struct WasmRuncHarness {
    static var binary: String {
        if let path = Posix.environment("WASM_RUNC_BINARY"), !path.isEmpty { return path }
        let tests = String(#filePath).split(separator: "/").dropLast(3).joined(separator: "/")
        return "/\(tests)/.build/release/wasm-runc"
    }

    /// A module that exports an empty `_start`.
    static let module: [UInt8] = [
        0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00,
        0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00,
        0x07, 0x0A, 0x01, 0x06, 0x5F, 0x73, 0x74, 0x61, 0x72, 0x74, 0x00, 0x00,
        0x0A, 0x04, 0x01, 0x02, 0x00, 0x0B,
    ]

    func temporaryDirectory(_ prefix: String) -> String {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        return template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    }

    /// Runs wasm-runc with `arguments`; its exit code. Its output goes to /dev/null, so that an
    /// instance it leaks cannot hold the test run's own output open.
    func run(_ arguments: [String]) throws -> Int32 {
        var pid: pid_t = 0
        let argv = ([Self.binary] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let spawned = posix_spawn(&pid, Self.binary, &actions, nil, argv, environ)
        guard spawned == 0 else { throw RuntimeError("spawn \(Self.binary): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status >> 8) & 0xff
    }

    func entries(of path: String) -> [String] {
        guard let directory = opendir(path) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            names.append(
                withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) })
        }
        return names
    }

    /// Processes whose command line holds `marker`.
    /// Root's processes whose command line holds `marker` (a local user can name the marker in
    /// a process of their own, which is never root's).
    func processes(containing marker: String) -> [String] {
        entries(of: "/proc").filter { name in
            var info = stat()
            return Int32(name) != nil && stat("/proc/\(name)", &info) == 0 && info.st_uid == 0
                && ((try? Posix.readText("/proc/\(name)/cmdline"))?.contains(marker) ?? false)
        }
    }

    /// A bundle whose rootfs holds the empty module at /app.wasm, `files` (path: text) and a
    /// /proc, and whose spec has a mount namespace, a cgroup of its own and `linux`'s extra
    /// fields; `body` gets the bundle, a wasm-runc root and the cgroup path. Whatever an instance leaked is
    /// killed and removed afterwards, so one failure does not hang the run.
    func withBundle(
        name: String, files: [String: String] = [:], linux: [String: JSON] = [:],
        _ body: (_ bundle: String, _ root: String, _ cgroup: String) throws -> Void
    ) throws {
        let bundle = temporaryDirectory("wasm-runc-bundle")
        let root = temporaryDirectory("wasm-runc-root")
        let cgroup = "/wasm-runc-\(name)-\(getpid())"
        defer {
            for pid in processes(containing: root) { kill(Int32(pid)!, SIGKILL) }
            usleep(100_000)
            for hierarchy in entries(of: "/sys/fs/cgroup") { rmdir("/sys/fs/cgroup/\(hierarchy)\(cgroup)") }
            rmdir("/sys/fs/cgroup\(cgroup)")
            Posix.removeTree(bundle)
            Posix.removeTree(root)
        }
        try Posix.makeDirectories(bundle + "/rootfs/proc")
        try Posix.writeFile(bundle + "/rootfs/app.wasm", String(decoding: Self.module, as: UTF8.self))
        for (path, text) in files {
            let directory = String(path.split(separator: "/").dropLast().joined(separator: "/"))
            try Posix.makeDirectories(bundle + "/rootfs/" + directory)
            try Posix.writeFile(bundle + "/rootfs" + path, text)
        }
        var linuxFields: [String: JSON] = [
            "cgroupsPath": .string(cgroup), "namespaces": .array([.object(["type": .string("mount")])]),
        ]
        linuxFields.merge(linux) { _, extra in extra }
        let config = JSON.object([
            "ociVersion": .string("1.0.2"),
            "process": .object([
                "args": .array([.string("/app.wasm")]), "cwd": .string("/"),
                "user": .object(["uid": .number(0), "gid": .number(0)]),
            ]),
            "root": .object(["path": .string("rootfs")]),
            // The instance reopens its module through /proc/self/fd, as in every real pod.
            "mounts": .array([
                .object(["destination": .string("/proc"), "type": .string("proc"), "source": .string("proc")])
            ]),
            "linux": .object(linuxFields),
        ])
        try Posix.writeFile(bundle + "/config.json", config.serialized)
        try body(bundle, root, cgroup)
    }
}

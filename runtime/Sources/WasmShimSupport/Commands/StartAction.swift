#if canImport(Glibc)
import Glibc
#endif
import WasmRuntime

/// `start`, run by containerd in the task's bundle: prints the address of the node's wasm
/// shim, starting it first if none runs.
///
/// One shim for every wasm pod is safe for containerd: it keys each task by id, keeps one
/// ttrpc connection per task and does not care which process is behind the address (runc's
/// shim already serves all containers of a pod from one process), asks the shim to shut down
/// after each delete (this one ends only when it serves no task), and on restart reconnects to
/// the address written in each bundle.
public enum StartAction {
    /// glibc's POSIX_SPAWN_SETSID, which Swift's Glibc module does not import.
    static let spawnSetSID: Int16 = 0x80

    public static func run(_ commandLine: ShimCommandLine) throws {
        try ShimPaths.prepareDirectory()
        let paths = ShimPaths(containerdAddress: commandLine.address, namespace: commandLine.namespace)
        let lock = try paths.acquireLock()
        defer { close(lock) }
        if let probe = try? UnixSocket.connect(paths.socket, timeoutSeconds: 2) {
            // A live shim: this connection also counts as activity, so it does not stop now.
            close(probe)
        } else {
            unlink(paths.socket)
            try spawnServer(commandLine, paths: paths)
        }
        try Posix.writeFile("address", paths.address, atomically: true)
        print(paths.address)
    }

    private static func spawnServer(_ commandLine: ShimCommandLine, paths: ShimPaths) throws {
        let listener = try UnixSocket.listen(paths.socket)
        defer { close(listener) }
        let log = open(paths.log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard log >= 0 else { throw RuntimeError.errno("open \(paths.log)") }
        defer { close(log) }
        let null = open("/dev/null", O_RDWR | O_CLOEXEC)
        defer { close(null) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, null, 0)
        posix_spawn_file_actions_adddup2(&actions, null, 1)
        posix_spawn_file_actions_adddup2(&actions, log, 2)
        posix_spawn_file_actions_adddup2(&actions, listener, ShimPaths.listenerDescriptor)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // A session of its own: containerd's signals to the start command's group are not its.
        posix_spawnattr_setflags(&attributes, Self.spawnSetSID)

        let server = try BesideThisBinary.trusted(ShimNames.server)
        var arguments = [server, "-namespace", commandLine.namespace, "-address", commandLine.address]
        if commandLine.debug { arguments.append("-debug") }
        arguments.append("serve")
        // Only what the server needs from containerd's environment.
        let environment = ["TTRPC_ADDRESS", "PATH"].compactMap { name in
            Posix.environment(name).map { "\(name)=\($0)" }
        }
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, server, &actions, &attributes, argv, envp)
        guard spawned == 0 else { throw RuntimeError.errno("start the wasm shim server", spawned) }
    }
}

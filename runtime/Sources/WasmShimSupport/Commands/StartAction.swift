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

        let server = try BesideThisBinary.trusted(ShimNames.server)
        var arguments = [server, "-namespace", commandLine.namespace, "-address", commandLine.address]
        if commandLine.debug { arguments.append("-debug") }
        arguments.append("serve")
        // Only what the server needs from containerd's environment.
        let environment = ["TTRPC_ADDRESS", "PATH"].compactMap { name in
            Posix.environment(name).map { "\(name)=\($0)" }
        }
        // A session of its own: containerd's signals to the start command's group are not its.
        _ = try Posix.spawn(
            server, arguments: arguments, environment: environment,
            descriptors: [(null, 0), (null, 1), (log, 2), (listener, ShimPaths.listenerDescriptor)],
            newSession: true)
    }
}

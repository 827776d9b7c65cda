#if canImport(Glibc)
import Glibc
#endif
import CSystemCalls
import WasmRuntime
import WasmShimSupport

/// `serve` (internal, started by `start`): the node's wasm shim, serving containerd's task API
/// on the listening socket it inherits on descriptor 3, until it has served no task for a while.
public enum ServeAction {
    static let listenerDescriptor = ShimPaths.listenerDescriptor
    /// How long the shim stays with no task before it ends: a `start` that just returned its
    /// address is about to send a Create.
    static let idleSeconds: Int64 = 5

    public static func run(_ commandLine: ShimCommandLine) throws -> Never {
        chdir("/")
        // Inherited through dup2, which clears close-on-exec: no instance may inherit it.
        _ = fcntl(listenerDescriptor, F_SETFD, FD_CLOEXEC)
        signal(SIGPIPE, SIG_IGN)
        Reaper.blockChildSignals()
        var log = ShimLog()
        log.debug = commandLine.debug
        guard let ttrpcAddress = Posix.environment("TTRPC_ADDRESS"), !ttrpcAddress.isEmpty else {
            throw RuntimeError("TTRPC_ADDRESS is not set: the shim is started by containerd, which sets it")
        }
        let wasmRunc = try BesideThisBinary.trusted("wasm-runc")
        let paths = ShimPaths(containerdAddress: commandLine.address, namespace: commandLine.namespace)
        let activity = Guarded(monotonicSeconds())
        let events = EventPublisher(address: ttrpcAddress, log: log)
        let service = TaskService(events: events, wasmRunc: wasmRunc)
        startThread { watchForIdle(service, paths: paths, activity: activity, log: log) }
        log.info(
            "serving \(paths.address) for containerd \(commandLine.address), "
                + "namespace \(commandLine.namespace), pid \(getpid())")
        let touch = { activity.with { $0 = monotonicSeconds() } }
        TTRPCServer(listener: listenerDescriptor, log: log, onAccept: touch) { request, reply in
            touch()
            service.handle(request, reply: reply)
        }.run()
    }

    /// Ends the process once no task has been served for ``idleSeconds``, under the start lock
    /// so that no `start` hands out the address of a shim that is going away.
    private static func watchForIdle(_ service: TaskService, paths: ShimPaths, activity: Guarded<Int64>, log: ShimLog) {
        while true {
            sleep(UInt32(idleSeconds))
            guard service.isIdle, monotonicSeconds() - activity.with({ $0 }) >= idleSeconds else { continue }
            guard let lock = try? paths.acquireLock() else { continue }
            if service.isIdle, monotonicSeconds() - activity.with({ $0 }) >= idleSeconds, !pendingConnection() {
                unlink(paths.socket)
                log.info("no task left; exiting")
                _exit(0)
            }
            close(lock)
        }
    }

    /// A `start` connects to check the shim is alive; a connection still in the listen queue
    /// means one just did.
    private static func pendingConnection() -> Bool {
        var descriptor = pollfd(fd: listenerDescriptor, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) > 0
    }

    static func monotonicSeconds() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Int64(time.tv_sec)
    }
}
